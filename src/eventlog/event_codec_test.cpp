#include "eventlog/event_codec.h"

#include <gtest/gtest.h>

#include <string_view>

#include "store/outbox_events.h"

namespace parley::eventlog {
namespace {

// The store writes these strings without depending on eventlog/.
static_assert(std::string_view(kMessageCreated) == store::outbox::kMessageCreated);
static_assert(std::string_view(kMessageEdited) == store::outbox::kMessageEdited);
static_assert(std::string_view(kMessageDeleted) == store::outbox::kMessageDeleted);
static_assert(std::string_view(kReceipt) == store::outbox::kReceipt);

TEST(EventCodec, RoundTripsEveryField) {
  Event e{"c1/7/v2", kMessageEdited, "c1", 7, R"({"content":"a \"q\" \\ \n é","seq":7})"};
  auto back = decode_event(encode_event(e));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->id, e.id);
  EXPECT_EQ(back->type, e.type);
  EXPECT_EQ(back->conversation_id, e.conversation_id);
  EXPECT_EQ(back->seq, 7);
  EXPECT_EQ(back->body, e.body);  // Boost.JSON's own serialization is stable
}

TEST(EventCodec, EscapesIdsAndRefusesWhatIsNotAnEvent) {
  Event e{"c\"1/1/v1", kMessageCreated, "c\"1", 1, "{}"};
  auto back = decode_event(encode_event(e));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->conversation_id, "c\"1");
  EXPECT_FALSE(decode_event("not json").ok());
  EXPECT_FALSE(decode_event(R"({"id":"x","type":"t","conversation_id":"c","seq":1})").ok());
  EXPECT_FALSE(decode_event(R"({"id":"x","type":"t","conversation_id":"c","seq":"1","body":{}})").ok());
}

}  // namespace
}  // namespace parley::eventlog
