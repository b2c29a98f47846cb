// `parley chat`: one thread runs everything (the client, REST calls, stdin
// read through a stream_descriptor); commands run one after another, each
// line waiting for the previous command to finish.
#include "server/chat_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <deque>
#include <iostream>
#include <map>
#include <sstream>

#include "auth/hs256.h"
#include "client/client.h"
#include "client/rest.h"
#include "common/clock.h"
#include "common/ids.h"
#include "server/config.h"

namespace parley::server {

namespace net = boost::asio;
using client::Client;
using client::RestClient;

namespace {

constexpr int kOpenHistory = 20;
constexpr auto kDrainTimeout = std::chrono::seconds(10);

const char* const kHelp =
    "commands: /list  /open ID  /new group NAME user1,user2  /new direct USER  /read  /quit\n"
    "any other line is sent to the open conversation";

void print(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

std::string clock_time(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, sep);)
    if (!part.empty()) out.push_back(part);
  return out;
}

class ChatSession {
 public:
  ChatSession(net::io_context& io, client::Options options)
      : io_(io),
        rest_(io, options.host, options.port, options.token_provider),
        client_(io, options),
        in_(io),
        signals_(io, SIGINT, SIGTERM),
        drain_timer_(io) {}

  void start() {
    wire_client();
    client_.start();
    in_.assign(::dup(STDIN_FILENO));
    read_line();
    signals_.async_wait([this](boost::system::error_code ec, int) {
      if (!ec) finish();
    });
  }

 private:
  // ---- display ----
  std::string label(const std::string& conversation_id) const {
    auto it = names_.find(conversation_id);
    return "[" + (it == names_.end() || it->second.empty() ? conversation_id : it->second) + "]";
  }

  void wire_client() {
    client_.on_message([this](const client::Message& m) {
      print(label(m.conversation_id) + " #" + std::to_string(m.seq) + " " + m.sender_id + ": " +
            (m.deleted ? "(deleted)" : m.content));
    });
    client_.on_message_updated([this](const client::MessageUpdate& u) {
      print(label(u.conversation_id) + " #" + std::to_string(u.seq) +
            (u.deleted ? " deleted" : " edited: " + u.content));
    });
    client_.on_typing([this](const client::Typing& t) {
      print(label(t.conversation_id) + " " + t.user_id + " is typing\u2026");
    });
    client_.on_receipt([this](const client::Receipt& r) {
      print(label(r.conversation_id) + " " + r.user_id + (r.read ? " read" : " received") +
            " up to #" + std::to_string(r.seq));
    });
    client_.on_presence([](const client::Presence& p) {
      std::string line = "* " + p.user_id + " is " + p.status;
      if (!p.online() && p.last_seen > 0) line += " (last seen " + clock_time(p.last_seen) + ")";
      print(line);
    });
    client_.on_state([this](const client::StateChange& s) {
      if (s.state == client::State::live) {
        print("* connected as " + client_.session().user_id);
      } else if (s.state == client::State::waiting) {
        print("* disconnected" + (s.reason.empty() ? std::string() : " (" + s.reason + ")") +
              ", retrying in " + std::to_string(s.retry_in.count()) + " ms");
      }
    });
    client_.on_error([](const client::ClientError& e) {
      print("! " + std::string(wire_name(e.error.code)) + ": " + e.error.message);
    });
  }

  // ---- input: one command at a time ----
  void read_line() {
    net::async_read_until(in_, input_, '\n', [this](boost::system::error_code ec, std::size_t n) {
      if (ec) {
        // EOF (or an unreadable stdin): a last unterminated line still counts.
        std::string rest(net::buffers_begin(input_.data()), net::buffers_end(input_.data()));
        input_.consume(input_.size());
        if (!rest.empty()) queue_.push_back(rest);
        eof_ = true;
        return next_command();
      }
      std::string line(net::buffers_begin(input_.data()),
                       net::buffers_begin(input_.data()) + static_cast<std::ptrdiff_t>(n) - 1);
      input_.consume(n);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      queue_.push_back(std::move(line));
      next_command();
      read_line();
    });
  }

  void next_command() {
    if (busy_ || finishing_) return;
    if (queue_.empty()) {
      if (eof_) finish();
      return;
    }
    std::string line = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    execute(line);
  }

  // Every command ends here, however it went.
  void done() {
    busy_ = false;
    net::post(io_, [this] { next_command(); });
  }

  void execute(const std::string& line) {
    if (line.empty()) return done();
    if (line[0] != '/') return send_text(line);
    auto words = split(line, ' ');
    const std::string& cmd = words[0];
    if (cmd == "/list") return list();
    if (cmd == "/open" && words.size() == 2) return open(words[1]);
    if (cmd == "/new" && words.size() == 4 && words[1] == "group")
      return create("group", words[2], split(words[3], ','));
    if (cmd == "/new" && words.size() == 3 && words[1] == "direct")
      return create("direct", {}, {words[2]});
    if (cmd == "/read") return read();
    if (cmd == "/quit") {
      eof_ = true;
      queue_.clear();
      return done();
    }
    print(kHelp);
    done();
  }

  void send_text(const std::string& text) {
    if (open_.empty()) {
      print("! no open conversation: /open ID or /new first");
    } else {
      client_.send(open_, text);
    }
    done();
  }

  void list() {
    rest_.list_conversations(100, {}, [this](Result<client::ConversationList> r) {
      if (!r) {
        print("! list: " + r.error().message);
      } else if (r->conversations.empty()) {
        print("(no conversations)");
      }
      if (r)
        for (auto& c : r->conversations) {
          if (!c.name.empty()) names_[c.id] = c.name;
          print(c.id + "  " + c.type + "  " + (c.name.empty() ? "-" : c.name) + "  last #" +
                std::to_string(c.last_seq) + "  unread " + std::to_string(c.unread));
        }
      done();
    });
  }

  void open(const std::string& id) {
    rest_.get_conversation(id, [this, id](Result<client::Conversation> c) {
      if (!c) {
        print("! open " + id + ": " + c.error().message);
        return done();
      }
      remember(*c);
      rest_.history_latest(id, kOpenHistory, [this, id](Result<client::HistoryPage> page) {
        if (!page) {
          print("! history: " + page.error().message);
          return done();
        }
        open_ = id;
        print("* open " + label(id));
        std::int64_t last = 0;
        for (auto& m : page->messages) {
          print(label(id) + " #" + std::to_string(m.seq) + " " + m.sender_id + ": " +
                (m.deleted ? "(deleted)" : m.content));
          last = m.seq;
        }
        // Live from the last shown message on (a gap since is synced).
        client_.track(id, std::max(last, client_.last_seq(id)));
        done();
      });
    });
  }

  void create(const std::string& type, const std::string& name, std::vector<std::string> members) {
    rest_.create_conversation(type, name, std::move(members),
                              [this](Result<client::Conversation> c) {
                                if (!c) {
                                  print("! create: " + c.error().message);
                                  return done();
                                }
                                remember(*c);
                                open_ = c->id;
                                client_.track(c->id, c->last_seq);
                                print(std::string(c->created ? "* created " : "* found ") + c->id +
                                      " " + label(c->id) + ", now open");
                                done();
                              });
  }

  void read() {
    if (open_.empty()) {
      print("! no open conversation");
    } else {
      client_.mark_read(open_);
    }
    done();
  }

  void remember(const client::Conversation& c) {
    if (!c.name.empty()) {
      names_[c.id] = c.name;
      return;
    }
    for (auto& m : c.members)  // a direct conversation: the other one's name
      if (m.user_id != client_.session().user_id) names_[c.id] = m.user_id;
  }

  // ---- the end: sends still unacknowledged get a moment, then close ----
  void finish() {
    if (finishing_) return;
    finishing_ = true;
    drain_deadline_ = client::Clock::now() + kDrainTimeout;
    drain();
  }

  void drain() {
    if (client_.pending_sends() > 0 && client::Clock::now() < drain_deadline_) {
      drain_timer_.expires_after(std::chrono::milliseconds(20));
      drain_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) drain();
      });
      return;
    }
    if (client_.pending_sends() > 0)
      print("! " + std::to_string(client_.pending_sends()) + " message(s) not sent");
    boost::system::error_code ignored;
    in_.close(ignored);
    signals_.cancel();
    client_.stop();
  }

  net::io_context& io_;
  RestClient rest_;
  Client client_;
  net::posix::stream_descriptor in_;
  net::streambuf input_;
  net::signal_set signals_;
  net::steady_timer drain_timer_;
  client::Clock::time_point drain_deadline_{};
  std::deque<std::string> queue_;
  std::map<std::string, std::string> names_;
  std::string open_;
  bool busy_ = false;
  bool eof_ = false;
  bool finishing_ = false;
};

}  // namespace

ChatCommand::ChatCommand(CLI::App& app) {
  cmd_ = app.add_subcommand("chat", "a terminal chat client");
  cmd_->add_option("--server", server_, "HOST:PORT of the server (default 127.0.0.1:8080)");
  cmd_->add_option("--token", token_, "a JWT (see `parley token`)");
  cmd_->add_option("--user", user_, "mint a token for USER locally (needs the secret)");
  cmd_->add_option("--data", data_, "data directory holding jwt_secret (with --user)");
  cmd_->add_option("--jwt-secret", jwt_secret_,
                   "HS256 secret (with --user; or env PARLEY_JWT_SECRET)");
}

bool ChatCommand::chosen() const { return cmd_->parsed(); }

int ChatCommand::run() {
  client::Options options;
  Config config;
  if (auto s = parse_listen(server_, config); !s) {
    std::cerr << "parley chat: --server: " << s.error().message << "\n";
    return 2;
  }
  options.host = config.listen_host;
  options.port = config.listen_port;
  if (!token_.empty()) {
    options.token_provider = [token = token_] { return token; };
  } else if (!user_.empty()) {
    if (!valid_user_id(user_)) {
      std::cerr << "parley chat: --user must be 1-128 characters of A-Za-z0-9_.@:-\n";
      return 2;
    }
    if (const char* env = std::getenv("PARLEY_JWT_SECRET"); env && *env) config.jwt_secret = env;
    if (!jwt_secret_.empty()) config.jwt_secret = jwt_secret_;
    if (!data_.empty()) config.data_dir = data_;
    auto secret = resolve_jwt_secret(config, /*create=*/false);
    if (!secret) {
      std::cerr << "parley chat: " << secret.error().message << "\n";
      return 2;
    }
    // A fresh token for every connection: a long session outlives any one.
    options.token_provider = [user = user_, secret = *secret] {
      auth::Claims claims;
      claims.sub = user;
      claims.iat = now_ms() / 1000;
      claims.exp = claims.iat + 3600;
      return auth::sign_hs256(claims, secret);
    };
  } else {
    std::cerr << "parley chat: --token or --user is required\n";
    return 2;
  }

  net::io_context io;
  ChatSession session(io, std::move(options));
  session.start();
  print(kHelp);
  io.run();
  return 0;
}

}  // namespace parley::server
