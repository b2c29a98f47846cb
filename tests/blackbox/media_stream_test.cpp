// Large downloads are streamed: the whole file, and ranges of it, arrive
// intact, and several slow readers of a 20 MiB file at once do not make the
// server hold the file in memory once per reader.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <fstream>

#include "support.h"

namespace bb {
namespace {

constexpr std::size_t kMiB = 1024 * 1024;
constexpr std::size_t kLarge = 20 * kMiB;

// Plain text (the sniffer allows it) that differs at every offset, so a
// misplaced chunk shows.
std::string large_text() {
  std::string s;
  s.reserve(kLarge);
  for (std::size_t i = 0; s.size() < kLarge; ++i) s += std::to_string(i) + ' ';
  s.resize(kLarge);
  return s;
}

// Resident memory of a process, from /proc (kB).
std::int64_t rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  return -1;
}

// A download whose reader stops after the response head and a few bytes:
// the server must hold what it has not sent yet somewhere.
class StalledDownload {
 public:
  StalledDownload(std::uint16_t port, const std::string& target, const std::string& token) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int small = 64 * 1024;  // keep the kernel from taking the file off the server's hands
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    require(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "connect");
    const std::string req = "GET " + target +
                            " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                            "\r\n\r\n";
    require(::send(fd_, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size()), "send");
  }
  ~StalledDownload() { ::close(fd_); }

  // Reads until the head and some body bytes are in; the status line.
  std::string head() {
    std::string got;
    char buf[4096];
    while (got.find("\r\n\r\n") == std::string::npos || got.size() < 8192) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got.substr(0, got.find("\r\n"));
  }

 private:
  int fd_ = -1;
};

class MediaStreamTest : public BlackboxTest {
 protected:
  std::string server_config() override { return R"({"max_media_bytes": 26214400})"; }

  std::string upload_large(const std::string& bytes) {
    auto r = http().request("POST", "/api/media?name=big.txt", token("alice"), bytes,
                            {{"Content-Type", "text/plain"}}, std::chrono::seconds(60));
    require(r.status == 201, "upload: " + std::to_string(r.status) + " " + r.body);
    return str(obj(*r.json), "media_id");
  }

  HttpResponse download(const std::string& id, const Headers& headers = {}) {
    return http().request("GET", "/api/media/" + id, token("alice"), std::nullopt, headers,
                          std::chrono::seconds(60));
  }
};

TEST_F(MediaStreamTest, A20MiBFileDownloadsWholeAndByRange) {
  const std::string bytes = large_text();
  const std::string id = upload_large(bytes);

  auto whole = download(id);
  ASSERT_EQ(whole.status, 200) << whole.error;
  EXPECT_EQ(whole.header("content-length"), std::to_string(kLarge));
  EXPECT_EQ(whole.body.size(), kLarge);
  EXPECT_TRUE(whole.body == bytes) << "the bytes differ";

  // A range across many chunks, starting and ending inside chunks.
  const std::size_t first = 3 * kMiB + 12345, last = 17 * kMiB + 999;
  auto part =
      download(id, {{"Range", "bytes=" + std::to_string(first) + "-" + std::to_string(last)}});
  ASSERT_EQ(part.status, 206) << part.error;
  EXPECT_EQ(part.header("content-range"), "bytes " + std::to_string(first) + "-" +
                                              std::to_string(last) + "/" + std::to_string(kLarge));
  EXPECT_EQ(part.header("content-length"), std::to_string(last - first + 1));
  EXPECT_TRUE(part.body == bytes.substr(first, last - first + 1)) << "the range's bytes differ";

  auto tail = download(id, {{"Range", "bytes=-5"}});
  ASSERT_EQ(tail.status, 206);
  EXPECT_EQ(tail.body, bytes.substr(kLarge - 5));

  // The connection stays usable after a streamed body (keep-alive).
  EXPECT_EQ(http().get("/healthz").status, 200);
}

TEST_F(MediaStreamTest, SlowReadersDoNotMakeTheServerHoldTheFile) {
  const std::string id = upload_large(large_text());
  // Warm up: the first download starts what streaming needs.
  ASSERT_EQ(download(id, {{"Range", "bytes=0-0"}}).status, 206);
  const std::int64_t before = rss_kb(server().pid());
  ASSERT_GT(before, 0) << "no /proc: cannot measure";

  constexpr int kReaders = 4;
  std::vector<std::unique_ptr<StalledDownload>> readers;
  for (int i = 0; i < kReaders; ++i) {
    readers.push_back(
        std::make_unique<StalledDownload>(port(), "/api/media/" + id, token("alice")));
  }
  for (auto& r : readers) ASSERT_EQ(r->head(), "HTTP/1.1 200 OK");
  const std::int64_t during = rss_kb(server().pid());
  // Held in memory, four readers would cost 80 MiB; streamed, a chunk each.
  EXPECT_LT(during - before, static_cast<std::int64_t>(kLarge / 1024))
      << "RSS grew from " << before << " kB to " << during << " kB";
  readers.clear();
  EXPECT_EQ(http().get("/healthz").status, 200);
}

}  // namespace
}  // namespace bb
