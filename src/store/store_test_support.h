#pragma once
// Helpers shared by the store tests: a throwaway database file and short
// builders for write ops. Test-only; no library links this.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <system_error>
#include <type_traits>

#include "common/errc.h"
#include "common/result.h"
#include "store/store.h"

namespace parley::store::test_support {

// Joins text and numbers into an id: join("k", 3, "-", 4) == "k3-4". Built by
// appending: GCC 12 at -O2 warns falsely (-Wrestrict) on "literal" + string.
template <class... Parts>
std::string join(const Parts&... parts) {
  std::string out;
  auto add = [&out](const auto& part) {
    if constexpr (std::is_arithmetic_v<std::decay_t<decltype(part)>>) {
      out += std::to_string(part);
    } else {
      out += part;
    }
  };
  (add(parts), ...);
  return out;
}

// A fresh path in the temp directory; the database and its WAL companions
// are deleted when this goes away.
// Every byte of a file, to check that a deleted text left no trace in it.
inline std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class TempDbFile {
 public:
  TempDbFile() : path_(std::filesystem::temp_directory_path() / unique_name()) {}
  ~TempDbFile() {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::error_code ignored;
      std::filesystem::remove(path_.string() + suffix, ignored);
    }
  }
  TempDbFile(const TempDbFile&) = delete;
  TempDbFile& operator=(const TempDbFile&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  static std::string unique_name() {
    // pid + counter keeps parallel test processes and tests apart; the random
    // part guards against leftovers of a crashed run with a recycled pid.
    static std::atomic<int> counter{0};
    static const unsigned salt = std::random_device{}();
    return join("parley_store_test_", ::getpid(), "_", salt, "_", counter++, ".db");
  }

  std::filesystem::path path_;
};

// "ok" or the wire name of the error: readable in assertion failures.
template <class T>
std::string code(const Result<T>& r) {
  return r.ok() ? "ok" : std::string(wire_name(r.error().code));
}

// The value, or a test failure naming the error (value() then throws, which
// GoogleTest reports and which ends the test).
template <class T>
T must(Result<T> r) {
  if (!r.ok()) ADD_FAILURE() << "unexpected " << code(r) << ": " << r.error().message;
  return std::move(r).value();
}

inline NewConversation new_group(std::string id, std::string owner,
                                 std::vector<std::string> others, std::int64_t at = 1000) {
  return NewConversation{std::move(id), "group", "team", std::move(owner), std::move(others),
                         at};
}

inline NewConversation new_direct(std::string id, std::string from, std::string to,
                                  std::int64_t at = 1000) {
  return NewConversation{std::move(id), "direct", "", std::move(from), {std::move(to)}, at};
}

// A text message; message ids are unique per process, as new_id's would be.
inline AppendMessage text(std::string conversation_id, std::string sender,
                          std::string client_msg_id, std::string content = "hello",
                          std::int64_t ts = 2000) {
  static std::atomic<int> next{0};
  return AppendMessage{std::move(conversation_id),
                       std::move(sender),
                       std::move(client_msg_id),
                       join("m_test_", next++),
                       std::move(content),
                       "text",
                       "",
                       ts,
                       ""};
}

inline EditMessage edit(std::string conversation_id, std::string message_id,
                        std::string editor, std::string content) {
  return EditMessage{std::move(conversation_id), std::move(message_id), std::move(editor),
                     std::move(content), false};
}

inline EditMessage erase(std::string conversation_id, std::string message_id,
                         std::string editor) {
  return EditMessage{std::move(conversation_id), std::move(message_id), std::move(editor), "",
                     true};
}

inline SetReceipt delivered_up_to(std::string conversation_id, std::string user, std::int64_t seq) {
  return SetReceipt{std::move(conversation_id), std::move(user), false, seq};
}

inline SetReceipt read_up_to(std::string conversation_id, std::string user, std::int64_t seq) {
  return SetReceipt{std::move(conversation_id), std::move(user), true, seq};
}

}  // namespace parley::store::test_support
