#include "gateway/ws_frame.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace parley::gateway::ws {

std::size_t write_header(std::uint8_t* out, Opcode op, std::size_t n) {
  out[0] = 0x80 | static_cast<std::uint8_t>(op);  // FIN, no RSV bits
  if (n < 126) {
    out[1] = static_cast<std::uint8_t>(n);
    return 2;
  }
  if (n <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<std::uint8_t>(n >> 8);
    out[3] = static_cast<std::uint8_t>(n);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(std::uint64_t(n) >> (56 - 8 * i));
  return 10;
}

std::string control_frame(Opcode op, std::string_view payload) {
  if (payload.size() > 125) payload = payload.substr(0, 125);
  std::string out(2, '\0');
  out[0] = static_cast<char>(0x80 | static_cast<std::uint8_t>(op));
  out[1] = static_cast<char>(payload.size());
  out.append(payload);
  return out;
}

std::string close_frame(std::uint16_t code, std::string_view reason) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xff));
  payload.append(reason.substr(0, 123));
  return control_frame(Opcode::close, payload);
}

std::string accept_key(std::string_view client_key) {
  static constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string input(client_key);
  input.append(guid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  unsigned char out[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  int len = EVP_EncodeBlock(out, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<char*>(out), static_cast<std::size_t>(len));
}

void FrameParser::release_memory() {
  if (!in_message_ && message_.capacity() > 0) std::string().swap(message_);
  if (control_.capacity() > 0 && control_.empty()) std::string().swap(control_);
}

std::size_t FrameParser::take_header(const std::uint8_t* data, std::size_t n, Event& error) {
  std::size_t used = 0;
  auto need = [&]() -> std::size_t {
    if (header_have_ < 2) return 2;
    std::size_t len7 = header_[1] & 0x7F;
    return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4;  // clients always mask
  };
  auto fail = [&](std::uint16_t code) {
    error.code = code;
    return used;
  };
  while (used < n && header_have_ < need()) {
    header_[header_have_++] = data[used++];
    // An unmasked client frame is refused at once, not after its "mask".
    if (header_have_ == 2 && !(header_[1] & 0x80)) return fail(close_code::protocol_error);
  }
  if (header_have_ < need()) return used;

  fin_ = header_[0] & 0x80;
  if (header_[0] & 0x70) return fail(close_code::protocol_error);  // no extensions
  auto op = header_[0] & 0x0F;
  if (!(header_[1] & 0x80)) return fail(close_code::protocol_error);  // unmasked
  std::uint64_t len = header_[1] & 0x7F;
  std::size_t pos = 2;
  if (len == 126) {
    len = (std::uint64_t(header_[2]) << 8) | header_[3];
    pos = 4;
  } else if (len == 127) {
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | header_[2 + i];
    if (len >> 63) return fail(close_code::protocol_error);
    pos = 10;
  }
  for (int i = 0; i < 4; ++i) mask_[i] = header_[pos + i];

  bool control = op >= 0x8;
  if (control) {
    if (op != 0x8 && op != 0x9 && op != 0xA) return fail(close_code::protocol_error);
    if (!fin_ || len > 125) return fail(close_code::protocol_error);
  } else {
    if (op > 0x2) return fail(close_code::protocol_error);
    if (op == 0x0 && !in_message_) return fail(close_code::protocol_error);
    if (op != 0x0 && in_message_) return fail(close_code::protocol_error);
    if (message_.size() + len > max_message_) return fail(close_code::too_big);
    if (op != 0x0) {
      in_message_ = true;
      message_text_ = op == 0x1;
    }
  }
  opcode_ = static_cast<Opcode>(op);
  payload_left_ = len;
  payload_pos_ = 0;
  header_have_ = 0;
  phase_ = Phase::payload;
  if (!control) message_.reserve(message_.size() + len);
  return used;
}

std::size_t FrameParser::take_payload(const std::uint8_t* data, std::size_t n) {
  std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(payload_left_, n));
  std::string& to = static_cast<std::uint8_t>(opcode_) >= 0x8 ? control_ : message_;
  std::size_t at = to.size();
  to.resize(at + take);
  for (std::size_t i = 0; i < take; ++i)
    to[at + i] = static_cast<char>(data[i] ^ mask_[(payload_pos_ + i) & 3]);
  payload_pos_ += take;
  payload_left_ -= take;
  return take;
}

bool FrameParser::frame_done(Event& out) {
  phase_ = Phase::header;
  switch (opcode_) {
    case Opcode::ping:
    case Opcode::pong:
      out.kind = opcode_ == Opcode::ping ? Event::Kind::ping : Event::Kind::pong;
      out.payload = control_;
      return true;
    case Opcode::close:
      out.kind = Event::Kind::close;
      if (control_.size() == 1) {
        out.kind = Event::Kind::error;
        out.code = close_code::protocol_error;
      } else if (control_.size() >= 2) {
        out.code = static_cast<std::uint16_t>((std::uint8_t(control_[0]) << 8) | std::uint8_t(control_[1]));
        out.payload = std::string_view(control_).substr(2);
      } else {
        out.code = close_code::no_status;
      }
      return true;
    default:
      if (!fin_) return false;  // more fragments to come
      in_message_ = false;
      out.kind = Event::Kind::message;
      out.text = message_text_;
      out.payload = message_;
      return true;
  }
}

}  // namespace parley::gateway::ws
