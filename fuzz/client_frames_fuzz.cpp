// The client-frame decoder (protocol/client_frames.h): every WebSocket text
// frame and every REST send body a stranger sends goes through it.
// Input: the frame text. Checks that what decodes respects the limits.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_check.h"
#include "protocol/client_frames.h"

namespace {

using namespace parley::protocol;

// Small limits, so inputs the fuzzer can reach cross them.
const Limits kLimits{/*max_content_bytes=*/64, /*max_id_chars=*/16, /*max_sync_conversations=*/4};

bool id_ok(const std::string& s, bool required) {
  return s.size() <= kLimits.max_id_chars && (!required || !s.empty());
}

// One overload per frame type, on purpose without a catch-all: a new frame
// type does not compile here until its invariants are written down.
struct CheckPayload {
  void operator()(const SendFrame& f) const {
    FUZZ_CHECK(id_ok(f.conversation_id, true) && id_ok(f.client_msg_id, true));
    FUZZ_CHECK(id_ok(f.reply_to, false));
    FUZZ_CHECK(f.content.size() <= kLimits.max_content_bytes);
    FUZZ_CHECK(f.kind == "text" || f.kind == "image" || f.kind == "file" || f.kind == "system");
  }
  void operator()(const TypingFrame& f) const { FUZZ_CHECK(id_ok(f.conversation_id, true)); }
  void operator()(const ReceiptFrame& f) const {
    FUZZ_CHECK(id_ok(f.conversation_id, true) && f.seq >= 0);
  }
  void operator()(const EditFrame& f) const {
    FUZZ_CHECK(id_ok(f.conversation_id, true) && id_ok(f.message_id, true));
    FUZZ_CHECK(f.content.size() <= kLimits.max_content_bytes);
  }
  void operator()(const DeleteFrame& f) const {
    FUZZ_CHECK(id_ok(f.conversation_id, true) && id_ok(f.message_id, true));
  }
  void operator()(const PingFrame&) const {}
  void operator()(const ReceivedFrame& f) const {
    FUZZ_CHECK(id_ok(f.conversation_id, true) && f.seq >= 0);
  }
  void operator()(const RefreshFrame& f) const {
    FUZZ_CHECK(!f.token.empty() && f.token.size() <= 8 * 1024);
  }
  void operator()(const SyncFrame& f) const {
    FUZZ_CHECK(f.conversations.size() <= kLimits.max_sync_conversations);
    for (const auto& [id, seq] : f.conversations) FUZZ_CHECK(id_ok(id, true) && seq >= 0);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  std::string req = "stale";  // must be overwritten, never leak from a previous frame
  auto frame = decode_client_frame(text, kLimits, req);
  FUZZ_CHECK(req.size() <= kLimits.max_id_chars);
  if (frame) {
    FUZZ_CHECK(frame->req == req);
    std::visit(CheckPayload{}, frame->payload);
  } else {
    FUZZ_CHECK(frame.error().code == parley::Errc::bad_request ||
               frame.error().code == parley::Errc::too_large);
  }

  // The same text as a REST send body for conversation "c1".
  auto send = decode_send_body(text, "c1", kLimits);
  if (send) {
    FUZZ_CHECK(send->conversation_id == "c1");
    CheckPayload{}(*send);
  }
  return 0;
}
