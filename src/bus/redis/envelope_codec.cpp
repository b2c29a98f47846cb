#include "bus/redis/envelope_codec.h"

#include <cstdint>
#include <memory>

namespace parley::bus {
namespace {

// Layout: version, flags, then varint-length-prefixed target, skip_user,
// skip_session, frame, then seq as a zigzag varint, then (control
// envelopes only) `about`. Varints keep the common
// case (short ids, small seq) a few bytes over the frame itself.
enum Flags : unsigned char {
  kUserScope = 1,
  kEphemeral = 2,
  kHasFrame = 4,  // a null Frame is distinct from an empty one
  kMembersChanged = 8,  // a control envelope; `about` follows seq
  // Envelope::presence. A gateway that predates it refuses the envelope (an
  // unknown flag): during a rolling upgrade, presence it does not hear.
  kPresence = 16,
  kKnownFlags = kUserScope | kEphemeral | kHasFrame | kMembersChanged | kPresence,
};

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_bytes(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  std::optional<std::uint64_t> varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return std::nullopt;
      auto b = static_cast<unsigned char>(in_.front());
      in_.remove_prefix(1);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    return std::nullopt;  // more than ten bytes: not ours
  }

  std::optional<std::string_view> bytes() {
    auto n = varint();
    if (!n || *n > in_.size()) return std::nullopt;
    auto s = in_.substr(0, *n);
    in_.remove_prefix(*n);
    return s;
  }

  std::optional<unsigned char> byte() {
    if (in_.empty()) return std::nullopt;
    auto b = static_cast<unsigned char>(in_.front());
    in_.remove_prefix(1);
    return b;
  }

  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace

std::string encode_envelope(const Envelope& e) {
  std::string out;
  std::size_t frame_size = e.frame ? e.frame->size() : 0;
  out.reserve(2 + 4 * 10 + e.target.size() + e.skip_user.size() + e.skip_session.size() +
              frame_size);
  out.push_back(static_cast<char>(kEnvelopeVersion));
  unsigned char flags = 0;
  if (e.scope == Envelope::Scope::user) flags |= kUserScope;
  if (e.ephemeral) flags |= kEphemeral;
  if (e.frame) flags |= kHasFrame;
  if (e.control == Envelope::Control::members_changed) flags |= kMembersChanged;
  if (e.presence) flags |= kPresence;
  out.push_back(static_cast<char>(flags));
  put_bytes(out, e.target);
  put_bytes(out, e.skip_user);
  put_bytes(out, e.skip_session);
  put_bytes(out, e.frame ? std::string_view(*e.frame) : std::string_view());
  auto seq = static_cast<std::uint64_t>(e.seq);
  put_varint(out, (seq << 1) ^ static_cast<std::uint64_t>(e.seq >> 63));  // zigzag
  if (flags & kMembersChanged) put_bytes(out, e.about);
  return out;
}

std::optional<Envelope> decode_envelope(std::string_view bytes) {
  Reader r(bytes);
  auto version = r.byte();
  if (!version || *version != kEnvelopeVersion) return std::nullopt;
  auto flags = r.byte();
  if (!flags || (*flags & ~kKnownFlags)) return std::nullopt;
  auto target = r.bytes();
  auto skip_user = target ? r.bytes() : std::nullopt;
  auto skip_session = skip_user ? r.bytes() : std::nullopt;
  auto frame = skip_session ? r.bytes() : std::nullopt;
  auto seq = frame ? r.varint() : std::nullopt;
  std::optional<std::string_view> about = std::string_view();
  if (seq && (*flags & kMembersChanged)) about = r.bytes();
  if (!seq || !about || !r.done()) return std::nullopt;
  if (!(*flags & kHasFrame) && !frame->empty()) return std::nullopt;

  Envelope e;
  e.scope = (*flags & kUserScope) ? Envelope::Scope::user : Envelope::Scope::conversation;
  e.ephemeral = (*flags & kEphemeral) != 0;
  e.presence = (*flags & kPresence) != 0;
  e.target = *target;
  e.skip_user = *skip_user;
  e.skip_session = *skip_session;
  if (*flags & kHasFrame) e.frame = std::make_shared<const std::string>(*frame);
  e.seq = static_cast<std::int64_t>((*seq >> 1) ^ (~(*seq & 1) + 1));  // un-zigzag
  if (*flags & kMembersChanged) {
    e.control = Envelope::Control::members_changed;
    e.about = *about;
  }
  return e;
}

}  // namespace parley::bus
