#include "media/disk_blob_store.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "media/atomic_file.h"
#include "media/media_test_support.h"

namespace parley::media {
namespace {

using namespace test_support;

TEST(DiskBlobStore, PutThenReadBack) {
  TempDir dir;
  DiskBlobStore store(dir.path());
  const std::string bytes = std::string("blob\0with NUL", 13);
  auto info = store.put(bytes);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->sha256, sha256_hex(bytes));
  EXPECT_EQ(info->size, bytes.size());
  EXPECT_TRUE(store.exists(info->sha256));
  EXPECT_EQ(*store.get(info->sha256), bytes);
  EXPECT_EQ(store.stat(info->sha256)->size, bytes.size());
  // Content-addressed: the file is named by its hash.
  EXPECT_EQ(store.path_of(info->sha256),
            dir.path() / "blobs" / info->sha256.substr(0, 2) / info->sha256);
}

TEST(DiskBlobStore, KnownSha256) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(DiskBlobStore, RangeReads) {
  TempDir dir;
  DiskBlobStore store(dir.path());
  auto info = store.put("0123456789");
  EXPECT_EQ(*store.read_range(info->sha256, 2, 3), "234");
  EXPECT_EQ(*store.read_range(info->sha256, 8, 100), "89");
  EXPECT_EQ(*store.read_range(info->sha256, 10, 5), "");
  EXPECT_EQ(*store.read_range(info->sha256, 0, 0), "");
}

TEST(DiskBlobStore, RangeReadersGiveTheSameBytesPieceByPiece) {
  TempDir dir;
  DiskBlobStore store(dir.path());
  auto info = store.put("0123456789");
  struct Case {
    std::uint64_t offset, length;
    std::string want;
  };
  for (const Case& c : {Case{0, 100, "0123456789"}, Case{2, 3, "234"}, Case{8, 100, "89"},
                        Case{10, 5, ""}, Case{0, 0, ""}}) {
    auto r = store.open_range(info->sha256, c.offset, c.length);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)->size(), c.want.size());
    EXPECT_EQ(read_all(**r, 3), c.want) << c.offset << "+" << c.length;
  }
  // Open, then the name goes (a cleanup): the reader still has the bytes.
  auto r = store.open_range(info->sha256, 0, 10);
  ASSERT_TRUE(r.ok());
  std::filesystem::remove(store.path_of(info->sha256));
  EXPECT_EQ(read_all(**r, 4), "0123456789");
  EXPECT_EQ(store.open_range(info->sha256, 0, 10).error().code, Errc::not_found);
}

TEST(DiskBlobStore, SameBytesAreStoredOnce) {
  TempDir dir;
  DiskBlobStore store(dir.path());
  auto a = store.put("same bytes");
  auto b = store.put("same bytes");
  auto c = store.put("other bytes");
  EXPECT_EQ(a->sha256, b->sha256);
  EXPECT_NE(a->sha256, c->sha256);
  EXPECT_EQ(count_files(dir.path() / "blobs"), 2);
  EXPECT_EQ(count_files(dir.path() / "tmp"), 0);  // nothing left behind
}

TEST(DiskBlobStore, ConcurrentWritersOfTheSameBytesLeaveOneCompleteBlob) {
  TempDir dir;
  const std::string bytes(1 << 20, 'x');
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i) {
    // Separate instances, as separate gateways on one folder would be.
    writers.emplace_back([&] {
      DiskBlobStore store(dir.path());
      for (int k = 0; k < 5; ++k) {
        if (!store.put(bytes).ok()) ++failures;
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(failures.load(), 0);
  DiskBlobStore store(dir.path());
  EXPECT_EQ(count_files(dir.path() / "blobs"), 1);
  EXPECT_EQ(count_files(dir.path() / "tmp"), 0);
  EXPECT_EQ(*store.get(sha256_hex(bytes)), bytes);
}

TEST(DiskBlobStore, APartialBlobIsNeverVisibleUnderItsName) {
  TempDir dir;
  DiskBlobStore store(dir.path());
  const std::string bytes(256 * 1024, 'y');
  const std::string sha = sha256_hex(bytes);
  // A crash mid-write leaves at most a temp file; the blob's name appears
  // only by rename, whole. A reader polling meanwhile sees nothing or all.
  std::atomic<bool> done{false};
  std::atomic<int> partial{0};
  std::thread reader([&] {
    DiskBlobStore r(dir.path());
    while (!done) {
      auto got = r.get(sha);
      if (got && got->size() != bytes.size()) ++partial;
    }
  });
  ASSERT_TRUE(store.put(bytes).ok());
  done = true;
  reader.join();
  EXPECT_EQ(partial.load(), 0);
  EXPECT_EQ(store.get(sha)->size(), bytes.size());
}

TEST(DiskBlobStore, SizeMismatchIsRewritten) {
  TempDir dir;
  DiskBlobStore store(dir.path());
  auto info = store.put("complete");
  // A truncated file under the right name (damage) is repaired by the next put.
  ASSERT_TRUE(write_file_atomically(store.path_of(info->sha256), "comp", dir.path() / "tmp").ok());
  ASSERT_TRUE(store.put("complete").ok());
  EXPECT_EQ(*store.get(info->sha256), "complete");
}

TEST(DiskBlobStore, UnknownOrMalformedAddressesAreNotFound) {
  TempDir dir;
  DiskBlobStore store(dir.path());
  const std::string unknown(64, 'a');
  for (std::string_view bad : {std::string_view(unknown), std::string_view("../../etc/passwd"),
                               std::string_view(""), std::string_view("ABCDEF")}) {
    EXPECT_EQ(store.get(bad).error().code, Errc::not_found) << bad;
    EXPECT_EQ(store.stat(bad).error().code, Errc::not_found) << bad;
    EXPECT_EQ(store.read_range(bad, 0, 1).error().code, Errc::not_found) << bad;
    EXPECT_EQ(store.open_range(bad, 0, 1).error().code, Errc::not_found) << bad;
    EXPECT_FALSE(store.exists(bad));
  }
  EXPECT_FALSE(valid_sha256(std::string(64, 'A')));  // uppercase is not an address
  EXPECT_TRUE(valid_sha256(std::string(64, 'f')));
}

}  // namespace
}  // namespace parley::media
