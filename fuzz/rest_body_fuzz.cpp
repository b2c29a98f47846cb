// REST request bodies: api/request_params.h json_body (every POST/PATCH
// route) and protocol's decode_send_body (POST .../messages).
// Input: the body.
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/request_params.h"
#include "fuzz_check.h"
#include "protocol/client_frames.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  auto obj = parley::api::json_body(body);
  if (!obj) FUZZ_CHECK(obj.error().code == parley::Errc::bad_request);

  parley::protocol::Limits limits;
  limits.max_content_bytes = 64;
  limits.max_id_chars = 16;
  auto send = parley::protocol::decode_send_body(body, "conv-1", limits);
  if (send) {
    FUZZ_CHECK(obj);  // a valid send body is a JSON object
    FUZZ_CHECK(send->conversation_id == "conv-1");
    FUZZ_CHECK(!send->client_msg_id.empty() && send->client_msg_id.size() <= 16);
    FUZZ_CHECK(send->content.size() <= 64);
  }
  return 0;
}
