#include "media/media_library.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "media/atomic_file.h"

#include "media/disk_blob_store.h"
#include "media/disk_media_catalog.h"
#include "media/media_test_support.h"

namespace parley::media {
namespace {

using namespace test_support;
namespace json = boost::json;

// One gateway's view of a shared media folder.
struct Node {
  explicit Node(const std::filesystem::path& root, std::set<std::pair<std::string, std::string>>& m)
      : blobs(root), catalog(root),
        library(blobs, catalog,
                [&m](const std::string& user, const std::string& conv) {
                  return m.count({user, conv}) > 0;
                },
                MediaOptions{1024}) {}
  DiskBlobStore blobs;
  DiskMediaCatalog catalog;
  MediaLibrary library;
};

class MediaLibraryTest : public ::testing::Test {
 protected:
  std::string code(const Error& e) { return std::string(wire_name(e.code)); }
  template <class T>
  std::string code(const Result<T>& r) {
    return r.ok() ? "ok" : code(r.error());
  }

  TempDir dir_;
  std::set<std::pair<std::string, std::string>> members_{{"bob", "c1"}, {"alice", "c1"},
                                                         {"carol", "c2"}};
  Node node_{dir_.path(), members_};
  MediaLibrary& lib_ = node_.library;
};

TEST_F(MediaLibraryTest, UploadRecordsWhatTheBytesAre) {
  auto r = lib_.upload("alice", png(64, 32), "dir/cat.png");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(valid_media_id(r->media_id)) << r->media_id;
  EXPECT_EQ(r->uploader, "alice");
  EXPECT_EQ(r->content_type, "image/png");
  EXPECT_EQ(r->width, 64u);
  EXPECT_EQ(r->height, 32u);
  EXPECT_EQ(r->name, "cat.png");
  EXPECT_EQ(r->size, png(64, 32).size());
  EXPECT_TRUE(node_.blobs.exists(r->sha256));

  auto stored = node_.catalog.get(r->media_id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(record_json(*stored), record_json(*r));

  auto body = json::parse(upload_json(*r)).as_object();
  EXPECT_EQ(body.at("media_id").as_string(), r->media_id);
  EXPECT_EQ(body.at("url").as_string(), "/api/media/" + r->media_id);
  EXPECT_EQ(body.at("content_type").as_string(), "image/png");
  EXPECT_EQ(body.at("size").as_int64(), static_cast<std::int64_t>(r->size));
  EXPECT_EQ(body.at("width").as_int64(), 64);
  EXPECT_EQ(body.at("height").as_int64(), 32);
}

TEST_F(MediaLibraryTest, NonImagesHaveNoDimensions) {
  auto r = lib_.upload("alice", "%PDF-1.4 tiny", "report.pdf");
  ASSERT_TRUE(r.ok());
  auto body = json::parse(upload_json(*r)).as_object();
  EXPECT_EQ(body.at("content_type").as_string(), "application/pdf");
  EXPECT_FALSE(body.contains("width"));
}

TEST_F(MediaLibraryTest, UploadRefusals) {
  EXPECT_EQ(code(lib_.upload("alice", std::string(1025, 'a'), "big.txt")), "too_large");
  EXPECT_EQ(code(lib_.upload("alice", std::string(1024, 'a'), "max.txt")), "ok");
  EXPECT_EQ(code(lib_.upload("alice", "<html><script>x</script>", "cat.png")),
            "unsupported_media_type");
  EXPECT_EQ(code(lib_.upload("alice", std::string("MZ\x90\0", 4), "cat.png")),
            "unsupported_media_type");
  // A PNG signature without a readable header.
  EXPECT_EQ(code(lib_.upload("alice", std::string("\x89PNG\r\n\x1A\n", 8), "x.png")),
            "unsupported_media_type");
  EXPECT_EQ(count_files(dir_.path() / "meta"), 1);  // only the accepted one
}

TEST_F(MediaLibraryTest, SameBytesFromTwoUploadersShareOneBlob) {
  auto a = lib_.upload("alice", png(2, 2), "a.png");
  auto b = lib_.upload("bob", png(2, 2), "b.png");
  EXPECT_NE(a->media_id, b->media_id);
  EXPECT_EQ(a->sha256, b->sha256);
  EXPECT_EQ(count_files(dir_.path() / "blobs"), 1);
  EXPECT_EQ(b->uploader, "bob");
}

TEST_F(MediaLibraryTest, AttachChecksTheSenderAndFillsFromTheRecord) {
  auto img = lib_.upload("alice", png(10, 20), "cat.png");
  auto pdf = lib_.upload("alice", "%PDF-1.4", "doc.pdf");
  EXPECT_EQ(code(lib_.attach("bob", "c1", "image", img->media_id, "")), "bad_request");
  EXPECT_EQ(code(lib_.attach("alice", "c1", "image", "md_000000000000000000000000", "")),
            "bad_request");
  EXPECT_EQ(code(lib_.attach("alice", "c1", "image", "../../etc", "")), "bad_request");
  EXPECT_EQ(code(lib_.attach("alice", "c1", "image", pdf->media_id, "")), "bad_request");
  EXPECT_EQ(code(lib_.attach("alice", "c1", "file", pdf->media_id, "")), "ok");
  EXPECT_EQ(code(lib_.attach("alice", "c1", "file", img->media_id, "")), "ok");

  auto media = lib_.attach("alice", "c1", "image", img->media_id, "renamed\x01.png");
  ASSERT_TRUE(media.ok());
  auto o = json::parse(*media).as_object();
  EXPECT_EQ(o.at("media_id").as_string(), img->media_id);
  EXPECT_EQ(o.at("name").as_string(), "renamed.png");
  EXPECT_EQ(o.at("size").as_int64(), static_cast<std::int64_t>(img->size));
  EXPECT_EQ(o.at("content_type").as_string(), "image/png");
  EXPECT_EQ(o.at("width").as_int64(), 10);
  EXPECT_EQ(o.at("height").as_int64(), 20);
  // Checked, not bound: the message has not committed yet.
  EXPECT_TRUE(node_.catalog.conversations(img->media_id)->empty());
  EXPECT_EQ(code(lib_.open("bob", img->media_id)), "not_found");
}

TEST_F(MediaLibraryTest, OnlyTheUploaderAndMembersWhereItWasSentMayOpen) {
  auto img = lib_.upload("alice", png(1, 1), "x.png");
  EXPECT_EQ(code(lib_.open("alice", img->media_id)), "ok");
  EXPECT_EQ(code(lib_.open("bob", img->media_id)), "not_found");  // not sent anywhere yet
  ASSERT_TRUE(lib_.bind_message(img->media_id, "c1", "m1").ok());
  EXPECT_EQ(code(lib_.open("bob", img->media_id)), "ok");
  EXPECT_EQ(code(lib_.open("carol", img->media_id)), "not_found");  // member elsewhere only
  members_.erase({"bob", "c1"});  // left the conversation: no longer
  EXPECT_EQ(code(lib_.open("bob", img->media_id)), "not_found");
  EXPECT_EQ(code(lib_.open("bob", "md_ffffffffffffffffffffffff")), "not_found");
  EXPECT_EQ(code(lib_.open("bob", "../meta/x")), "not_found");
}

TEST_F(MediaLibraryTest, AnotherGatewayOnTheSameFolderSeesRecordsAndBindings) {
  Node other(dir_.path(), members_);
  auto img = lib_.upload("alice", png(3, 3), "x.png");
  ASSERT_TRUE(other.library.bind_message(img->media_id, "c1", "m1").ok());
  ASSERT_TRUE(lib_.bind_message(img->media_id, "c2", "m2").ok());
  ASSERT_TRUE(lib_.bind_message(img->media_id, "c2", "m2").ok());  // idempotent
  ASSERT_TRUE(lib_.bind_message(img->media_id, "c2", "m3").ok());  // sent again there
  EXPECT_EQ(code(other.library.open("carol", img->media_id)), "ok");
  EXPECT_EQ(code(lib_.open("bob", img->media_id)), "ok");
  auto convs = *node_.catalog.conversations(img->media_id);
  std::sort(convs.begin(), convs.end());
  EXPECT_EQ(convs, (std::vector<std::string>{"c1", "c2"})) << "each conversation once";
  // Deleting one message there leaves the other: still readable.
  ASSERT_TRUE(other.library.unbind_message(img->media_id, "c2", "m2").ok());
  EXPECT_EQ(code(lib_.open("carol", img->media_id)), "ok");
  ASSERT_TRUE(other.library.unbind_message(img->media_id, "c2", "m3").ok());
  ASSERT_TRUE(other.library.unbind_message(img->media_id, "c2", "m3").ok());  // idempotent
  EXPECT_EQ(code(lib_.open("carol", img->media_id)), "not_found");
  EXPECT_EQ(code(lib_.open("bob", img->media_id)), "ok") << "c1's message still stands";
  EXPECT_EQ(code(lib_.open("alice", img->media_id)), "ok") << "the uploader always may";
}

TEST_F(MediaLibraryTest, BindingsFromBeforeMessagesStillCount) {
  // A folder written before bindings were per message: <sha256(conv)> files.
  auto img = lib_.upload("alice", png(3, 3), "x.png");
  ASSERT_TRUE(write_file_atomically(dir_.path() / "bound" / img->media_id / sha256_hex("c1"), "c1",
                                    dir_.path() / "tmp")
                  .ok());
  EXPECT_EQ(code(lib_.open("bob", img->media_id)), "ok");
  ASSERT_TRUE(lib_.bind_message(img->media_id, "c1", "m1").ok());
  EXPECT_EQ(*node_.catalog.conversations(img->media_id), std::vector<std::string>{"c1"});
}

TEST(MediaJson, MediaIdOfAMessagesMedia) {
  MediaRecord r;
  r.media_id = "md_0123456789abcdef01234567";
  r.content_type = "application/pdf";
  EXPECT_EQ(media_id_of(message_media_json(r, "a.pdf")), r.media_id);
  EXPECT_EQ(media_id_of(""), "");
  EXPECT_EQ(media_id_of("not json"), "");
  EXPECT_EQ(media_id_of(R"({"media_id":7})"), "");
}

TEST(MediaNames, AreSanitized) {
  EXPECT_EQ(sanitize_name("cat.png"), "cat.png");
  EXPECT_EQ(sanitize_name("C:\\Users\\me\\cat.png"), "cat.png");
  EXPECT_EQ(sanitize_name("../../etc/passwd"), "passwd");
  EXPECT_EQ(sanitize_name("a\r\nb\x7F.txt"), "ab.txt");
  EXPECT_EQ(sanitize_name("bad\xFF utf8.txt"), "bad utf8.txt");
  EXPECT_EQ(sanitize_name(""), "file");
  EXPECT_EQ(sanitize_name(".."), "file");
  EXPECT_EQ(sanitize_name("dir/"), "file");
  // Cut at 255 bytes without splitting a character (é is two bytes).
  std::string long_name = "a";
  for (int i = 0; i < 200; ++i) long_name += "\xC3\xA9";
  auto cut = sanitize_name(long_name);
  EXPECT_LE(cut.size(), 255u);
  EXPECT_EQ(cut.size(), 255u);  // 1 + 127 * 2
  EXPECT_EQ(cut, sanitize_name(cut));  // still valid UTF-8
}

TEST(MediaIds, OnlyOurShape) {
  EXPECT_TRUE(valid_media_id("md_0123456789abcdef01234567"));
  EXPECT_FALSE(valid_media_id("md_0123456789abcdef0123456"));
  EXPECT_FALSE(valid_media_id("md_0123456789ABCDEF01234567"));
  EXPECT_FALSE(valid_media_id("m_0123456789abcdef012345678"));
  EXPECT_FALSE(valid_media_id("md_../../../../../etc/pass"));
}

}  // namespace
}  // namespace parley::media
