#include "media/binding_store.h"

#include <gtest/gtest.h>

#include <set>

#include "media/disk_blob_store.h"
#include "media/disk_media_catalog.h"
#include "media/media_test_support.h"
#include "store/memory/memory_store.h"

namespace parley::media {
namespace {

using namespace test_support;

class BindingStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::NewConversation c{"c1", "group", "team", "alice", {"bob"}, 1};
    ASSERT_TRUE(memory_.create_conversation(c).ok());
    c.id = "c2";
    c.members = {"carol"};
    ASSERT_TRUE(memory_.create_conversation(c).ok());
    auto img = library_.upload("alice", png(4, 4), "x.png");
    ASSERT_TRUE(img.ok());
    media_id_ = img->media_id;
  }

  // A send of the image as the service makes it (attach, then append).
  store::WriteResult send(const std::string& conv, const std::string& message_id,
                          const std::string& sender = "alice") {
    auto media = library_.attach(sender, conv, "image", media_id_, "");
    EXPECT_TRUE(media.ok());
    store::AppendMessage op{conv,       sender, "cm-" + message_id,
                            message_id, "look", "image",
                            "",         1,      media ? *media : std::string()};
    return std::move(binding_.apply(std::vector<store::WriteOp>{op}).at(0));
  }
  store::WriteResult remove(const std::string& conv, const std::string& message_id,
                            const std::string& by = "alice") {
    store::EditMessage op{conv, message_id, by, "", true};
    return std::move(binding_.apply(std::vector<store::WriteOp>{op}).at(0));
  }
  bool readable_by(const std::string& user) { return library_.open(user, media_id_).ok(); }

  TempDir dir_;
  std::set<std::pair<std::string, std::string>> members_{
      {"alice", "c1"}, {"bob", "c1"}, {"alice", "c2"}, {"carol", "c2"}};
  DiskBlobStore blobs_{dir_.path()};
  DiskMediaCatalog catalog_{dir_.path()};
  MediaLibrary library_{blobs_, catalog_,
                        [this](const std::string& u, const std::string& c) {
                          return members_.count({u, c}) > 0;
                        },
                        MediaOptions{1024}};
  store::MemoryStore memory_;
  BindingStore binding_{memory_, library_};
  std::string media_id_;
};

TEST_F(BindingStoreTest, ACommittedSendBindsItsMediaBeforeApplyReturns) {
  ASSERT_TRUE(library_.attach("alice", "c1", "image", media_id_, "").ok());
  EXPECT_FALSE(readable_by("bob")) << "attached only: nothing committed";
  ASSERT_TRUE(send("c1", "m1").ok());
  EXPECT_TRUE(readable_by("bob"));
  EXPECT_FALSE(readable_by("carol"));
}

TEST_F(BindingStoreTest, ASendThatDoesNotCommitBindsNothing) {
  auto r = send("nowhere", "m1");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(catalog_.conversations(media_id_)->empty());
  // A text message binds nothing either.
  store::AppendMessage text{"c1", "alice", "cm-t", "mt", "hi", "text", "", 1, ""};
  ASSERT_TRUE(binding_.apply(std::vector<store::WriteOp>{text}).at(0).ok());
  EXPECT_FALSE(readable_by("bob"));
}

TEST_F(BindingStoreTest, DeletingTheMessageUnbindsItsMedia) {
  ASSERT_TRUE(send("c1", "m1").ok());
  ASSERT_TRUE(send("c2", "m2").ok());
  ASSERT_TRUE(readable_by("bob") && readable_by("carol"));
  EXPECT_FALSE(remove("c1", "m1", "bob").ok()) << "only the sender deletes";
  EXPECT_TRUE(readable_by("bob"));
  ASSERT_TRUE(remove("c1", "m1").ok());
  EXPECT_FALSE(readable_by("bob")) << "the deleted message no longer gives access";
  EXPECT_TRUE(readable_by("carol")) << "the other conversation's message still does";
  EXPECT_TRUE(readable_by("alice")) << "the uploader always may";
  // The same send repeated (same client_msg_id) answers with the deleted
  // original: it must not bind again.
  store::AppendMessage again{
      "c1", "alice", "cm-m1",
      "m9", "look",  "image",
      "",   1,       *library_.attach("alice", "c1", "image", media_id_, "")};
  auto r = binding_.apply(std::vector<store::WriteOp>{again}).at(0);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(std::get<store::AppendResult>(*r).duplicate);
  EXPECT_FALSE(readable_by("bob"));
}

TEST_F(BindingStoreTest, OneOfTwoMessagesDeletedKeepsAccessThroughTheOther) {
  ASSERT_TRUE(send("c1", "m1").ok());
  ASSERT_TRUE(send("c1", "m2").ok());
  ASSERT_TRUE(remove("c1", "m1").ok());
  EXPECT_TRUE(readable_by("bob"));
  ASSERT_TRUE(remove("c1", "m2").ok());
  EXPECT_FALSE(readable_by("bob"));
  (void)remove("c1", "m2");  // deleting again changes nothing
  EXPECT_FALSE(readable_by("bob"));
}

TEST_F(BindingStoreTest, EverythingElseGoesToTheWrappedStore) {
  EXPECT_EQ(binding_.get_conversation("c1")->name, "team");
  EXPECT_EQ(binding_.member_ids("c2")->size(), 2u);
  EXPECT_EQ(binding_.outboxes(), memory_.outboxes());
}

}  // namespace
}  // namespace parley::media
