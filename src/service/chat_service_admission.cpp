// ChatService, the guard at the door: who may open a connection, how long
// it may stay (its token's exp, moved by `refresh`), and how fast a user and
// a conversation may send. Limits are docs/protocol.md "Limits".
#include "common/clock.h"
#include "protocol/server_frames.h"
#include "service/chat_service.h"

namespace parley::service {
namespace {

std::int64_t monotonic_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Result<gateway::Admission> ChatService::admit(std::string_view token) {
  auto claims = b_.verifier.verify(token, now_ms() / 1000);
  if (!claims) return std::move(claims).error();
  if (options_.max_connections_per_user > 0) {
    const auto* devices = sessions_.devices_of(claims->sub);
    if (devices && devices->size() >= options_.max_connections_per_user)
      return make_error(Errc::rate_limited, "too many connections for this user");
  }
  return gateway::Admission{std::move(claims->sub), claims->exp};
}

void ChatService::handle(const gateway::ConnectionPtr& conn, const std::string& req,
                         protocol::RefreshFrame& f) {
  auto claims = b_.verifier.verify(f.token, now_ms() / 1000);
  // A refused refresh leaves the connection as it was: it still closes when
  // the token it has now runs out.
  if (!claims) return reply_error(conn, req, claims.error());
  if (claims->sub != conn->user_id())
    return reply_error(conn, req, make_error(Errc::forbidden, "token is for another user"));
  expiry_.set(conn, claims->exp);
  arm_expiry_timer();
  conn->send(protocol::share(protocol::encode_ok(req)));
}

// One timer for every connection's token: it waits for the earliest
// deadline, closes what is due, and waits for the next.
void ChatService::arm_expiry_timer() {
  const auto next = expiry_.next();
  if (!next || (expiry_armed_for_ != 0 && expiry_armed_for_ <= *next)) return;
  expiry_armed_for_ = *next;  // expires_after cancels a later wait, if one is pending
  expiry_timer_.expires_after(
      std::chrono::milliseconds(std::max<std::int64_t>(1, *next * 1000 - now_ms())));
  expiry_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // re-armed for an earlier deadline, or shut down
    expiry_armed_for_ = 0;
    for (const auto& conn : expiry_.take_due(now_ms() / 1000))
      conn->close(gateway::kCloseTokenExpired, "token expired");
    arm_expiry_timer();
  });
}

Status ChatService::check_send_rate(const std::string& user_id,
                                    const std::string& conversation_id) {
  const std::int64_t now = monotonic_ms();
  std::int64_t wait = user_sends_.acquire(user_id, now);
  if (wait == 0) {
    wait = conversation_sends_.acquire(conversation_id, now);
    // Refused by the conversation: this send does not count against the user.
    if (wait > 0) user_sends_.refund(user_id);
  }
  if (wait == 0) return ok_status();
  Error e = make_error(Errc::rate_limited, "sending too fast; retry after retry_after_ms");
  e.retry_after_ms = wait;
  return e;
}

}  // namespace parley::service
