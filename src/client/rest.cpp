#include "client/rest.h"

#include <boost/json/parse.hpp>
#include <cctype>

#include "client/frames.h"
#include "client/http_request.h"
#include "client/json_read.h"
#include "common/clock.h"
#include "protocol/json_writer.h"

namespace parley::client {

namespace json = boost::json;
using json_read::i64;
using json_read::str;

namespace {

// Percent-encodes a path segment or query value (ids are plain, but a
// conversation id typed by a person need not be).
std::string encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':' || c == '@') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    }
  }
  return out;
}

// The body as a JSON object, or bad_request.
Result<json::object> parse_object(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return make_error(Errc::bad_request, "response is not a JSON object");
  return std::move(v.get_object());
}

Conversation decode_conversation(const json::object& o) {
  Conversation c;
  c.id = str(o, "id");
  c.type = str(o, "type");
  c.name = str(o, "name");
  c.created_by = str(o, "created_by");
  c.last_seq = i64(o, "last_seq");
  if (auto* ms = o.if_contains("members"); ms && ms->is_array())
    for (auto& m : ms->get_array())
      if (m.is_object()) {
        auto& mo = m.get_object();
        c.members.push_back(Member{std::string(str(mo, "user_id")), std::string(str(mo, "role")),
                                   i64(mo, "delivered_seq"), i64(mo, "read_seq")});
      }
  return c;
}

HistoryPage decode_history(const json::object& o) {
  HistoryPage page;
  page.has_more = json_read::boolean(o, "has_more");
  auto now = Clock::now();
  auto now_wall = now_ms();
  if (auto* ms = o.if_contains("messages"); ms && ms->is_array())
    for (auto& m : ms->get_array())
      if (m.is_object()) {
        Message msg = json_read::message(m.get_object());
        msg.from_history = true;
        msg.received_at = now;
        msg.received_at_ms = now_wall;
        page.messages.push_back(std::move(msg));
      }
  return page;
}

// Adapts a decoder of the answer object to the raw callback.
template <class T, class Decode>
std::function<void(Result<std::string>, int)> decoded(std::function<void(Result<T>)> done,
                                                      Decode decode) {
  return [done = std::move(done), decode](Result<std::string> body, int status) {
    if (!body) return done(std::move(body).error());
    auto o = parse_object(*body);
    if (!o) return done(std::move(o).error());
    done(decode(*o, status));
  };
}

}  // namespace

RestClient::RestClient(boost::asio::io_context& io, std::string host, std::uint16_t port,
                       TokenSource token)
    : io_(io), host_(std::move(host)), port_(port), token_(std::move(token)) {}

void RestClient::call(std::string method, std::string target, std::string body,
                      std::function<void(Result<std::string>, int)> done) {
  HttpRequest r;
  r.host = host_;
  r.port = port_;
  r.method = std::move(method);
  r.target = std::move(target);
  r.token = token_ ? token_() : std::string();
  r.body = std::move(body);
  http_request(io_, std::move(r), [done = std::move(done)](Result<HttpResponse> res) {
    if (!res) return done(std::move(res).error(), 0);
    int status = res->status;
    if (status >= 200 && status < 300) return done(std::move(res->body), status);
    // {"error":{"code":"...","message":"..."}}
    Error error = make_error(Errc::internal, "HTTP " + std::to_string(status));
    if (auto o = parse_object(res->body)) {
      if (auto* e = o->if_contains("error"); e && e->is_object()) {
        error.code = make_error_code(wire_errc(str(e->get_object(), "code")));
        error.message = str(e->get_object(), "message");
      }
    }
    done(std::move(error), status);
  });
}

void RestClient::list_conversations(int limit, std::string cursor,
                                    std::function<void(Result<ConversationList>)> done) {
  std::string target = "/api/conversations?limit=" + std::to_string(limit);
  if (!cursor.empty()) target += "&cursor=" + encode(cursor);
  call("GET", std::move(target), {},
       decoded<ConversationList>(std::move(done), [](const json::object& o, int) {
         ConversationList list;
         list.next_cursor = str(o, "next_cursor");
         if (auto* cs = o.if_contains("conversations"); cs && cs->is_array())
           for (auto& c : cs->get_array())
             if (c.is_object()) {
               auto& co = c.get_object();
               list.conversations.push_back(
                   ConversationSummary{std::string(str(co, "id")), std::string(str(co, "type")),
                                       std::string(str(co, "name")), i64(co, "last_seq"),
                                       i64(co, "last_message_at"), i64(co, "unread")});
             }
         return Result<ConversationList>(std::move(list));
       }));
}

void RestClient::get_conversation(std::string id, std::function<void(Result<Conversation>)> done) {
  call("GET", "/api/conversations/" + encode(id), {},
       decoded<Conversation>(std::move(done), [](const json::object& o, int) {
         return Result<Conversation>(decode_conversation(o));
       }));
}

void RestClient::create_conversation(std::string type, std::string name,
                                     std::vector<std::string> members,
                                     std::function<void(Result<Conversation>)> done) {
  protocol::JsonWriter w;
  w.begin_object().field("type", type);
  if (!name.empty()) w.field("name", name);
  w.begin_array("members");
  for (auto& m : members) w.value(m);
  w.end_array().end_object();
  call("POST", "/api/conversations", w.take(),
       decoded<Conversation>(std::move(done), [](const json::object& o, int status) {
         Conversation c = decode_conversation(o);
         c.created = status == 201;
         return Result<Conversation>(std::move(c));
       }));
}

void RestClient::history_after(std::string conversation_id, std::int64_t after_seq, int limit,
                               std::function<void(Result<HistoryPage>)> done) {
  call("GET",
       "/api/conversations/" + encode(conversation_id) +
           "/messages?after_seq=" + std::to_string(after_seq) + "&limit=" + std::to_string(limit),
       {}, decoded<HistoryPage>(std::move(done), [](const json::object& o, int) {
         return Result<HistoryPage>(decode_history(o));
       }));
}

void RestClient::history_latest(std::string conversation_id, int limit,
                                std::function<void(Result<HistoryPage>)> done) {
  call("GET",
       "/api/conversations/" + encode(conversation_id) + "/messages?limit=" + std::to_string(limit),
       {}, decoded<HistoryPage>(std::move(done), [](const json::object& o, int) {
         return Result<HistoryPage>(decode_history(o));
       }));
}

void RestClient::post_message(std::string conversation_id, std::string client_msg_id,
                              std::string content, std::function<void(Result<Message>)> done) {
  protocol::JsonWriter w;
  w.begin_object().field("client_msg_id", client_msg_id).field("content", content).end_object();
  call("POST", "/api/conversations/" + encode(conversation_id) + "/messages", w.take(),
       decoded<Message>(std::move(done), [](const json::object& o, int) {
         return Result<Message>(json_read::message(o));
       }));
}

}  // namespace parley::client
