#include "push/curl_http_client.h"

#include <curl/curl.h>
#include <sys/socket.h>

#include <charconv>
#include <mutex>

namespace parley::push {
namespace {

// The calling thread's handle; cleaned up when the thread ends.
struct ThreadHandle {
  CURL* h = curl_easy_init();
  ~ThreadHandle() { curl_easy_cleanup(h); }
};

CURL* thread_handle() {
  thread_local ThreadHandle handle;
  return handle.h;
}

std::size_t collect(char* data, std::size_t size, std::size_t n, void* out) {
  auto* body = static_cast<std::string*>(out);
  // Answers are short status documents; cap what a hostile endpoint can make us hold.
  if (body->size() < 64 * 1024) body->append(data, size * n);
  return size * n;
}

struct SocketGuard {
  const EndpointPolicy* policy;
  bool refused = false;
};

// Runs after name resolution, before connect: the one place that sees the
// address actually used, whatever the URL's host looked like.
curl_socket_t open_checked(void* clientp, curlsocktype, curl_sockaddr* a) {
  auto* guard = static_cast<SocketGuard*>(clientp);
  if (!address_allowed(&a->addr, *guard->policy)) {
    guard->refused = true;
    return CURL_SOCKET_BAD;
  }
  return ::socket(a->family, a->socktype, a->protocol);
}

std::chrono::seconds retry_after(CURL* h) {
  curl_header* header = nullptr;
  if (curl_easy_header(h, "Retry-After", 0, CURLH_HEADER, -1, &header) != CURLHE_OK)
    return std::chrono::seconds(0);
  std::string_view v = header->value;
  long long seconds = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  if (ec != std::errc() || seconds < 0) return std::chrono::seconds(0);  // an HTTP date: ignored
  return std::chrono::seconds(std::min<long long>(seconds, 3600));
}

}  // namespace

CurlHttpClient::CurlHttpClient(EndpointPolicy policy) : policy_(policy) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Result<HttpAnswer> CurlHttpClient::send(const HttpCall& call) {
  CURL* h = thread_handle();
  if (!h) return make_error(Errc::internal, "push: no curl handle");
  curl_easy_reset(h);
  HttpAnswer answer;
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : call.headers)
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  SocketGuard guard{&policy_};

  curl_easy_setopt(h, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  if (call.method == "POST" || !call.body.empty()) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, call.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(call.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<long long>(call.timeout.count(), 5000)));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // worker threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect would dodge the policy
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer.body);
  if (call.user_supplied) {
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, policy_.allow_loopback_http ? "http,https" : "https");
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_checked);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &guard);
  } else {
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");  // operator-configured bases
  }

  CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(headers);
  if (guard.refused)
    return make_error(Errc::forbidden, "push endpoint resolves to a private or local address");
  if (rc != CURLE_OK)
    return make_error(Errc::unavailable, std::string("push request failed: ") + curl_easy_strerror(rc));
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  answer.status = static_cast<int>(status);
  answer.retry_after = retry_after(h);
  return answer;
}

}  // namespace parley::push
