#include "auth/jwt_compact.h"

#include <optional>
#include <utility>

#include <boost/json/parse.hpp>

#include "auth/base64url.h"

namespace parley::auth {
namespace {

namespace json = boost::json;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

}  // namespace

Error token_error(std::string reason) { return make_error(Errc::unauthorized, std::move(reason)); }

std::optional<std::string> decode_part(std::string_view part) {
  if (part.find('=') != std::string_view::npos) return std::nullopt;
  return base64url_decode(part);
}

Result<CompactJwt> parse_compact(std::string_view token) {
  if (token.empty()) return token_error("missing token");
  if (token.size() > kMaxTokenBytes) return token_error("token too long");

  // Exactly three parts: header.payload.signature.
  const std::size_t d1 = token.find('.');
  const std::size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) {
    return token_error("token must have three parts");
  }
  CompactJwt out;
  out.signing_input = token.substr(0, d2);
  out.payload_b64 = token.substr(d1 + 1, d2 - d1 - 1);

  const auto header_text = decode_part(token.substr(0, d1));
  if (!header_text) return token_error("bad header encoding");
  json::error_code ec;
  json::value header = json::parse(*header_text, ec);  // strict: no comments, valid UTF-8
  if (ec || !header.is_object()) return token_error("bad header");
  out.header = std::move(header.as_object());
  if (const json::value* alg = out.header.if_contains("alg"); alg && alg->is_string()) {
    out.alg = std::string(alg->get_string());
  }
  if (const json::value* typ = out.header.if_contains("typ")) {
    if (!typ->is_string() || !iequals(typ->get_string(), "JWT")) return token_error("unsupported typ");
  }
  // "crit" names extensions we would be obliged to understand; we know none.
  if (out.header.contains("crit")) return token_error("unsupported crit");

  auto sig = decode_part(token.substr(d2 + 1));
  if (!sig) return token_error("bad signature encoding");
  out.signature = std::move(*sig);
  return out;
}

}  // namespace parley::auth
