#include "push/push_routes.h"

#include <algorithm>

#include "common/clock.h"
#include "common/ids.h"
#include "protocol/json_writer.h"
#include "protocol/server_frames.h"
#include "push/device_request.h"

namespace parley::push {
namespace {

using gateway::HttpResponse;

HttpResponse error_response(const Error& e) {
  return {http_status(e.code), protocol::encode_error_body(e)};
}
HttpResponse error_response(Errc code, std::string message) {
  return error_response(make_error(code, std::move(message)));
}
HttpResponse method_not_allowed() {
  return {405, protocol::encode_error_body(make_error(Errc::bad_request, "method not allowed"))};
}

void write_device(protocol::JsonWriter& w, const Device& d) {
  w.begin_object()
      .field("device_id", d.id)
      .field("platform", platform_name(d.platform))
      .string_or_null("endpoint", d.endpoint)
      .string_or_null("token", d.token)
      .field("created_at", d.created_at)
      .end_object();
}

}  // namespace

bool PushRoutes::handle(const api::AuthedRequest& r,
                        const std::function<void(HttpResponse)>& respond) {
  const auto& seg = r.target.segments;  // seg[0] == "api"
  const auto& m = r.req.method;
  if (seg.size() == 2 && seg[1] == "devices") {
    respond(m == "POST" ? add_device(r) : m == "GET" ? list_devices(r) : method_not_allowed());
    return true;
  }
  if (seg.size() == 3 && seg[1] == "devices") {
    if (m != "DELETE") {
      respond(method_not_allowed());
      return true;
    }
    auto removed = registry_.remove(r.user, seg[2]);
    respond(removed ? HttpResponse{204, {}} : error_response(removed.error()));
    return true;
  }
  if (seg.size() == 4 && seg[1] == "conversations" && seg[3] == "mute") {
    respond(mute(r, seg[2]));
    return true;
  }
  if (seg.size() == 3 && seg[1] == "push" && seg[2] == "vapid") {
    if (m != "GET") respond(method_not_allowed());
    else if (options_.vapid_public_key.empty())
      respond(error_response(Errc::not_found, "webpush is not enabled on this server"));
    else {
      protocol::JsonWriter w;
      w.begin_object().field("public_key", options_.vapid_public_key).end_object();
      HttpResponse ok{200, w.take()};
      ok.headers = {{"Cache-Control", "public, max-age=86400"}};  // fixed for the deployment
      respond(std::move(ok));
    }
    return true;
  }
  return false;
}

HttpResponse PushRoutes::add_device(const api::AuthedRequest& r) {
  auto parsed = parse_device_request(r.req.body, options_.policy, !options_.vapid_public_key.empty());
  if (!parsed) return error_response(parsed.error());
  Device d = std::move(*parsed);
  d.user_id = r.user;
  d.id = new_id("dev_");
  d.created_at = now_ms();
  auto existing = registry_.list(r.user);
  if (!existing) return error_response(existing.error());
  bool known = std::any_of(existing->begin(), existing->end(), [&](const Device& x) {
    return x.platform == d.platform && x.address() == d.address();
  });
  if (!known && existing->size() >= options_.max_devices_per_user)
    return error_response(Errc::conflict, "at most " + std::to_string(options_.max_devices_per_user) +
                                              " devices per user: remove one first");
  auto stored = registry_.add(d);
  if (!stored) return error_response(stored.error());
  protocol::JsonWriter w;
  write_device(w, *stored);
  return {known ? 200 : 201, w.take()};
}

HttpResponse PushRoutes::list_devices(const api::AuthedRequest& r) {
  auto devices = registry_.list(r.user);
  if (!devices) return error_response(devices.error());
  protocol::JsonWriter w;
  w.begin_object().begin_array("devices");
  for (const auto& d : *devices) write_device(w, d);
  w.end_array().end_object();
  return {200, w.take()};
}

HttpResponse PushRoutes::mute(const api::AuthedRequest& r, const std::string& conversation_id) {
  const auto& m = r.req.method;
  if (m != "GET" && m != "PUT" && m != "DELETE") return method_not_allowed();
  // Members only; anyone else learns nothing, not even that it exists.
  auto members = store_.member_ids(conversation_id);
  if (!members && members.error().code != make_error_code(Errc::not_found))
    return error_response(members.error());
  if (!members || std::find(members->begin(), members->end(), r.user) == members->end())
    return error_response(Errc::not_found, "no such conversation");
  if (m != "GET") {
    if (auto s = registry_.set_muted(r.user, conversation_id, m == "PUT"); !s)
      return error_response(s.error());
  }
  auto muted = registry_.muted(r.user, conversation_id);
  if (!muted) return error_response(muted.error());
  protocol::JsonWriter w;
  w.begin_object().field("conversation_id", conversation_id).field("muted", *muted).end_object();
  return {200, w.take()};
}

}  // namespace parley::push
