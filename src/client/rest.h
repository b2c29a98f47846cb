#pragma once
// Typed calls to the REST API (docs/protocol.md, "REST"), asynchronous, on
// the io_context. Each callback gets the decoded answer, or the server's
// error (its wire code as Errc), or `unavailable` when no answer came.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "client/events.h"
#include "common/result.h"

namespace boost::asio {
class io_context;
}

namespace parley::client {

struct ConversationSummary {
  std::string id;
  std::string type;  // "direct" | "group"
  std::string name;  // empty for direct conversations
  std::int64_t last_seq = 0;
  std::int64_t last_message_at = 0;  // 0: empty conversation
  std::int64_t unread = 0;
};

struct ConversationList {
  std::vector<ConversationSummary> conversations;
  std::string next_cursor;  // empty at the end
};

struct Member {
  std::string user_id;
  std::string role;
  std::int64_t delivered_seq = 0;
  std::int64_t read_seq = 0;
};

struct Conversation {
  std::string id;
  std::string type;
  std::string name;
  std::string created_by;
  std::int64_t last_seq = 0;
  std::vector<Member> members;
  bool created = false;  // 201 (new) rather than 200 (the existing direct one)
};

struct HistoryPage {
  std::vector<Message> messages;  // ascending seq; from_history set
  bool has_more = false;
};

class RestClient {
 public:
  using TokenSource = std::function<std::string()>;

  RestClient(boost::asio::io_context& io, std::string host, std::uint16_t port, TokenSource token);

  void list_conversations(int limit, std::string cursor,
                          std::function<void(Result<ConversationList>)> done);
  void get_conversation(std::string id, std::function<void(Result<Conversation>)> done);
  // type "group" (name and members) or "direct" (exactly one member).
  void create_conversation(std::string type, std::string name, std::vector<std::string> members,
                           std::function<void(Result<Conversation>)> done);
  // Messages after `after_seq`, oldest first (has_more: newer exist).
  void history_after(std::string conversation_id, std::int64_t after_seq, int limit,
                     std::function<void(Result<HistoryPage>)> done);
  // The latest `limit` messages (has_more: older exist).
  void history_latest(std::string conversation_id, int limit,
                      std::function<void(Result<HistoryPage>)> done);
  // POST a message over REST (answers with the ack).
  void post_message(std::string conversation_id, std::string client_msg_id, std::string content,
                    std::function<void(Result<Message>)> done);

 private:
  void call(std::string method, std::string target, std::string body,
            std::function<void(Result<std::string>, int status)> done);

  boost::asio::io_context& io_;
  std::string host_;
  std::uint16_t port_;
  TokenSource token_;
};

}  // namespace parley::client
