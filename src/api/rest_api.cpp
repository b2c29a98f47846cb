#include "api/rest_api.h"

#include "api/json_views.h"
#include "api/request_params.h"
#include "common/ids.h"
#include "common/metrics.h"
#include "gateway/upgrade_token.h"
#include "protocol/json_writer.h"
#include "protocol/server_frames.h"

namespace parley::api {
namespace {

using gateway::HttpResponse;
using Respond = std::function<void(HttpResponse)>;

HttpResponse error_response(const Error& e) {
  HttpResponse r{http_status(e.code), protocol::encode_error_body(e)};
  if (e.retry_after_ms > 0)
    r.headers.emplace_back("Retry-After", std::to_string((e.retry_after_ms + 999) / 1000));
  return r;
}

HttpResponse json_response(int status, std::string body) { return {status, std::move(body)}; }

// A request on its way through the routes: who asks, what, how to answer.
struct Call {
  std::string user;
  const gateway::HttpRequest& req;
  const Target& target;
  Respond& respond;

  void fail(const Error& e) const { respond(error_response(e)); }
  void fail(Errc code, std::string message) const { fail(make_error(code, std::move(message))); }
};

void create_conversation(service::ChatService& s, const Call& c) {
  auto body = json_body(c.req.body);
  if (!body) return c.fail(body.error());
  auto* type = body->if_contains("type");
  auto* name = body->if_contains("name");
  auto* members = body->if_contains("members");
  if (!type || !type->is_string()) return c.fail(Errc::bad_request, "type must be a string");
  if (name && !name->is_string() && !name->is_null())
    return c.fail(Errc::bad_request, "name must be a string");
  if (!members || !members->is_array())
    return c.fail(Errc::bad_request, "members must be an array of user ids");
  if (members->get_array().size() > s.options().max_group_members)
    return c.fail(Errc::too_large, "more members than a group may have");
  std::vector<std::string> ids;
  for (const auto& m : members->get_array()) {
    if (!m.is_string()) return c.fail(Errc::bad_request, "members must be strings");
    ids.emplace_back(m.get_string());
  }
  std::string n = name && name->is_string() ? std::string(name->get_string()) : std::string();
  s.create_conversation(c.user, std::string(type->get_string()), n, std::move(ids),
                        [respond = c.respond](Result<service::ChatService::Created> created) {
                          if (!created) return respond(error_response(created.error()));
                          respond(json_response(created->created ? 201 : 200,
                                                conversation_body(created->conversation)));
                        });
}

void list_conversations(service::ChatService& s, const Call& c) {
  auto limit = int_param(c.target, "limit", 20, 1, 100, AboveMax::reject);
  if (!limit) return c.fail(limit.error());
  auto cursor = decode_cursor(c.target);
  if (!cursor) return c.fail(cursor.error());
  s.conversations(c.user, static_cast<int>(*limit) + 1, *cursor,
                  [respond = c.respond, limit = static_cast<std::size_t>(*limit)](
                      Result<std::vector<store::ConversationSummary>> list) {
                    if (!list) return respond(error_response(list.error()));
                    std::string next;
                    if (list->size() > limit) {
                      list->resize(limit);
                      next = encode_cursor(list->back());
                    }
                    respond(json_response(200, conversation_list_body(*list, next)));
                  });
}

void get_conversation(service::ChatService& s, const Call& c, const std::string& id) {
  s.conversation(c.user, id, [respond = c.respond](Result<store::Conversation> conv) {
    if (!conv) return respond(error_response(conv.error()));
    respond(json_response(200, conversation_body(*conv)));
  });
}

void add_member(service::ChatService& s, const Call& c, const std::string& id) {
  auto body = json_body(c.req.body);
  if (!body) return c.fail(body.error());
  auto* user = body->if_contains("user_id");
  if (!user || !user->is_string()) return c.fail(Errc::bad_request, "user_id must be a string");
  s.add_member(c.user, id, std::string(user->get_string()),
               [respond = c.respond](Result<store::Conversation> conv) {
                 if (!conv) return respond(error_response(conv.error()));
                 respond(json_response(201, conversation_body(*conv)));
               });
}

void remove_member(service::ChatService& s, const Call& c, const std::string& id,
                   const std::string& member) {
  s.remove_member(c.user, id, member, [respond = c.respond](Status removed) {
    if (!removed) return respond(error_response(removed.error()));
    respond(HttpResponse{204, {}, "application/json"});
  });
}

void history(service::ChatService& s, const Call& c, const std::string& id) {
  auto before = int_param(c.target, "before_seq", 0, 1, INT64_MAX);
  if (!before) return c.fail(before.error());
  auto after = int_param(c.target, "after_seq", 0, 0, INT64_MAX);
  if (!after) return c.fail(after.error());
  auto limit = int_param(c.target, "limit", 50, 1, 200);
  if (!limit) return c.fail(limit.error());
  // after_seq=0 asks for the oldest first; the store reads 0 as "not given".
  bool after_given = c.target.param("after_seq") && !c.target.param("after_seq")->empty();
  std::int64_t before_seq = *before;
  if (after_given && *after == 0 && before_seq == 0) before_seq = store::kOldestFirst;
  s.history(c.user, id, before_seq, *after, static_cast<int>(*limit),
            [respond = c.respond](Result<store::MessagePage> page) {
              if (!page) return respond(error_response(page.error()));
              respond(json_response(200, message_page_body(*page)));
            });
}

void post_message(service::ChatService& s, const Call& c, const std::string& id) {
  auto frame = protocol::decode_send_body(c.req.body, id, s.options().limits);
  if (!frame) return c.fail(frame.error());
  s.send(c.user, std::move(frame).value(),
         [respond = c.respond](Result<store::AppendResult> r) {
           if (!r) return respond(error_response(r.error()));
           respond(json_response(r->duplicate ? 200 : 201, ack_body(r->message)));
         });
}

void presence(service::ChatService& s, const Call& c) {
  const std::string* raw = c.target.param("user_ids");
  if (!raw || raw->empty()) return c.fail(Errc::bad_request, "user_ids is required");
  std::vector<std::string> users;
  std::string_view rest = *raw;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto id = rest.substr(0, comma);
    if (!valid_user_id(id)) return c.fail(Errc::bad_request, "invalid user id in user_ids");
    users.emplace_back(id);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (users.size() > 100) return c.fail(Errc::bad_request, "at most 100 user ids");
  s.presence_of(c.user, users,
                [respond = c.respond, users](
                    Result<std::vector<std::optional<presence::PresenceState>>> states) {
                  if (!states) return respond(error_response(states.error()));
                  respond(json_response(200, presence_body(users, *states)));
                });
}

void route(service::ChatService& s, const Call& c) {
  const auto& seg = c.target.segments;  // seg[0] == "api"
  const auto& m = c.req.method;
  auto method_not_allowed = [&] { c.respond({405, protocol::encode_error_body(make_error(Errc::bad_request, "method not allowed"))}); };

  if (seg.size() == 2 && seg[1] == "conversations") {
    if (m == "POST") return create_conversation(s, c);
    if (m == "GET") return list_conversations(s, c);
    return method_not_allowed();
  }
  if (seg.size() == 2 && seg[1] == "presence") {
    if (m == "GET") return presence(s, c);
    return method_not_allowed();
  }
  if (seg.size() >= 3 && seg[1] == "conversations") {
    const std::string& id = seg[2];
    if (seg.size() == 3) {
      if (m == "GET") return get_conversation(s, c, id);
      return method_not_allowed();
    }
    if (seg.size() == 4 && seg[3] == "messages") {
      if (m == "GET") return history(s, c, id);
      if (m == "POST") return post_message(s, c, id);
      return method_not_allowed();
    }
    if (seg.size() == 4 && seg[3] == "members") {
      if (m == "POST") return add_member(s, c, id);
      return method_not_allowed();
    }
    if (seg.size() == 5 && seg[3] == "members") {
      if (m == "DELETE") return remove_member(s, c, id, seg[4]);
      return method_not_allowed();
    }
  }
  c.fail(Errc::not_found, "no such route");
}

}  // namespace

void RestApi::serve_file(const gateway::HttpRequest& request, std::string_view path,
                         const Respond& respond) {
  if (request.method != "GET" && request.method != "HEAD")
    return respond({405, protocol::encode_error_body(make_error(Errc::bad_request, "method not allowed"))});
  auto asset = options_.files ? options_.files->find(path) : std::nullopt;
  if (!asset) return respond(error_response(make_error(Errc::not_found, "no such file")));
  HttpResponse r{200, std::move(asset->body), std::string(asset->content_type)};
  r.headers = {{"Cache-Control", "no-cache"},
               {"Content-Security-Policy",
                "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; "
                "frame-ancestors 'none'"},
               {"Referrer-Policy", "no-referrer"}};
  respond(std::move(r));
}

void RestApi::dev_sign_in(const gateway::HttpRequest& request, const Respond& respond) {
  if (!options_.dev_token) return respond(error_response(make_error(Errc::not_found, "no such route")));
  if (request.method != "POST")
    return respond({405, protocol::encode_error_body(make_error(Errc::bad_request, "method not allowed"))});
  auto body = json_body(request.body);
  if (!body) return respond(error_response(body.error()));
  auto* user = body->if_contains("user_id");
  if (!user || !user->is_string() || !valid_user_id(user->get_string()))
    return respond(error_response(make_error(Errc::bad_request, "user_id: 1-128 characters of A-Za-z0-9_.@:-")));
  std::string id(user->get_string());
  protocol::JsonWriter w;
  w.begin_object().field("token", options_.dev_token(id)).field("user_id", id).end_object();
  respond(json_response(200, w.take()));
}

std::size_t RestApi::body_limit(std::string_view method, std::string_view target,
                               std::size_t default_limit) {
  auto parsed = parse_target(target);
  if (!parsed) return default_limit;
  for (auto* module : options_.modules) {
    if (std::size_t limit = module->body_limit(method, *parsed)) return limit;
  }
  return default_limit;
}

void RestApi::on_http(gateway::HttpRequest request, Respond respond) {
  auto target = parse_target(request.target);
  if (!target) return respond(error_response(make_error(Errc::bad_request, "bad request target")));
  const auto& seg = target->segments;
  if (seg.size() == 1 && seg[0] == "healthz") {
    return respond(json_response(200, R"({"status":"ok"})"));
  }
  if (seg.size() == 1 && seg[0] == "readyz") {
    if (!options_.readiness) return respond(json_response(200, R"({"status":"ready"})"));
    auto [ready, body] = options_.readiness();
    return respond(json_response(ready ? 200 : 503, std::move(body)));
  }
  if (seg.size() == 1 && seg[0] == "metrics") {
    return respond({200, metrics::render_all(), "text/plain; version=0.0.4"});
  }
  if (seg.empty() || seg[0] != "api") {
    auto path = std::string_view(request.target).substr(0, request.target.find('?'));
    return serve_file(request, path, respond);
  }
  if (seg.size() == 3 && seg[1] == "dev" && seg[2] == "token") return dev_sign_in(request, respond);
  std::string_view token = gateway::bearer_token(request.authorization);
  if (token.empty()) {
    for (auto* module : options_.modules) {
      if (!module->token_in_query(request, *target)) continue;
      if (const std::string* t = target->param("token")) token = *t;
      break;
    }
  }
  if (token.empty())
    return respond(error_response(make_error(Errc::unauthorized, "missing bearer token")));
  auto user = service_.authenticate(token);
  if (!user) return respond(error_response(user.error()));
  for (auto* module : options_.modules) {
    if (module->handle(AuthedRequest{*user, request, *target}, respond)) return;
  }
  route(service_, Call{std::move(user).value(), request, *target, respond});
}

}  // namespace parley::api
