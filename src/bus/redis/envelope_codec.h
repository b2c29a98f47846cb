#pragma once
// The wire form of an Envelope on Redis pub/sub: compact binary, one version
// byte first so gateways of two releases can share a cluster during a
// rolling upgrade (an unknown version is rejected, not misread).
#include <optional>
#include <string>
#include <string_view>

#include "bus/bus.h"

namespace parley::bus {

inline constexpr unsigned char kEnvelopeVersion = 1;

// Serialized once per publish; the frame bytes are copied in once.
std::string encode_envelope(const Envelope& e);

// nullopt on anything malformed (truncated, trailing bytes, unknown version
// or flags): a bad payload is dropped and counted, never trusted.
std::optional<Envelope> decode_envelope(std::string_view bytes);

// The pub/sub channel of a target: "pc:<conversation>" or "pu:<user>".
inline std::string channel_of(Envelope::Scope scope, std::string_view target) {
  std::string c(scope == Envelope::Scope::user ? "pu:" : "pc:");
  c.append(target);
  return c;
}

}  // namespace parley::bus
