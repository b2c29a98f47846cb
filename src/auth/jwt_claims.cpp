#include "auth/jwt_claims.h"

#include <cmath>
#include <optional>

#include <boost/json/parse.hpp>

#include "auth/jwt_compact.h"

namespace parley::auth {
namespace {

namespace json = boost::json;

bool valid_subject(std::string_view s) {
  if (s.empty() || s.size() > kMaxSubjectBytes) return false;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '@' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// NumericDate (RFC 7519 section 2) may be fractional. Rounding goes in the
// strict direction for each claim: exp rounds down, nbf rounds up.
enum class Round { down, up };

std::optional<std::int64_t> numeric_date(const json::value& v, Round r) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    const std::uint64_t u = v.get_uint64();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (v.is_double()) {
    const double d = r == Round::down ? std::floor(v.get_double()) : std::ceil(v.get_double());
    // 2^63 is exactly representable; anything at or past it cannot convert.
    if (!std::isfinite(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;  // strings, bools, null: not a date
}

// RFC 7519 section 4.1.3: aud is one string or an array of strings, and the
// token is for us when one of them is our name.
Status check_audience(const json::object& payload, const std::string& audience) {
  if (audience.empty()) return ok_status();
  const json::value* aud = payload.if_contains("aud");
  if (aud == nullptr) return token_error("missing aud");
  if (aud->is_string()) {
    if (aud->get_string() == audience) return ok_status();
    return token_error("wrong audience");
  }
  if (!aud->is_array()) return token_error("invalid aud");
  for (const json::value& item : aud->get_array()) {
    if (!item.is_string()) return token_error("invalid aud");
  }
  for (const json::value& item : aud->get_array()) {
    if (item.get_string() == audience) return ok_status();
  }
  return token_error("wrong audience");
}

}  // namespace

Result<Claims> read_claims(std::string_view payload_b64, std::int64_t now_s,
                           const ClaimRules& rules) {
  const auto payload_text = decode_part(payload_b64);
  if (!payload_text) return token_error("bad payload encoding");
  json::error_code ec;
  json::value parsed = json::parse(*payload_text, ec);
  if (ec || !parsed.is_object()) return token_error("payload is not a JSON object");
  const json::object& payload = parsed.get_object();

  Claims claims;
  const json::value* sub = payload.if_contains("sub");
  if (sub == nullptr || !sub->is_string()) return token_error("missing sub");
  if (!valid_subject(sub->get_string())) return token_error("invalid sub");
  claims.sub = std::string(sub->get_string());

  const json::value* exp = payload.if_contains("exp");
  if (exp == nullptr) return token_error("missing exp");
  const auto exp_s = numeric_date(*exp, Round::down);
  if (!exp_s) return token_error("invalid exp");
  // Written as now < exp + leeway without risking overflow of exp + leeway.
  if (*exp_s <= now_s - kLeewaySeconds) return token_error("token expired");
  claims.exp = *exp_s;

  if (const json::value* nbf = payload.if_contains("nbf")) {
    const auto nbf_s = numeric_date(*nbf, Round::up);
    if (!nbf_s) return token_error("invalid nbf");
    if (*nbf_s > now_s + kLeewaySeconds) return token_error("token not yet valid");
    claims.nbf = *nbf_s;
  }
  // iat is informational: checked for shape only, since a future iat is
  // already covered by nbf when an issuer cares.
  if (const json::value* iat = payload.if_contains("iat")) {
    const auto iat_s = numeric_date(*iat, Round::down);
    if (!iat_s) return token_error("invalid iat");
    claims.iat = *iat_s;
  }

  if (!rules.issuer.empty()) {
    const json::value* iss = payload.if_contains("iss");
    if (iss == nullptr) return token_error("missing iss");
    if (!iss->is_string() || iss->get_string() != rules.issuer) return token_error("wrong issuer");
  }
  if (auto aud = check_audience(payload, rules.audience); !aud) return std::move(aud).error();
  return claims;
}

}  // namespace parley::auth
