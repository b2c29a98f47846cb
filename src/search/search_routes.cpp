#include "search/search_routes.h"

#include <chrono>

#include "api/request_params.h"
#include "protocol/json_writer.h"
#include "protocol/server_frames.h"
#include "search/search_metrics.h"
#include "search/search_text.h"

namespace parley::search {
namespace {

using gateway::HttpResponse;

// Longest cursor a page of ours can produce: two integers and an id.
constexpr std::size_t kMaxCursorBytes = 320;
// Conversations asked of the store per round when collecting the caller's.

HttpResponse error_response(const Error& e) {
  return {http_status(e.code), protocol::encode_error_body(e)};
}

std::string page_body(const SearchPage& page) {
  protocol::JsonWriter w(128 * (page.results.size() + 1));
  w.begin_object().begin_array("results");
  for (const auto& hit : page.results) {
    w.begin_object()
        .field("conversation_id", hit.conversation_id)
        .field("seq", hit.seq)
        .field("message_id", hit.message_id)
        .field("snippet", hit.snippet)
        .end_object();
  }
  w.end_array().string_or_null("next_cursor", page.next_cursor).end_object();
  return w.take();
}

const std::string* param(const Target& t, std::string_view name) {
  const std::string* v = t.param(name);
  return v && !v->empty() ? v : nullptr;
}

}  // namespace

Result<std::vector<std::string>> SearchRoutes::scope(const std::string& user,
                                                     const Target& target) {
  if (const auto* id = param(target, "conversation_id")) {
    // not_found for an unknown conversation, not_member for someone else's,
    // as every other route of a conversation answers.
    auto conversation = chat_.read_conversation(user, *id);
    if (!conversation) return std::move(conversation).error();
    return std::vector<std::string>{*id};
  }
  return chat_.conversation_ids(user);
}

bool SearchRoutes::handle(const api::AuthedRequest& request,
                          const std::function<void(HttpResponse)>& respond) {
  const auto& seg = request.target.segments;
  if (seg.size() != 2 || seg[1] != "search") return false;
  auto fail = [&](Errc code, std::string message) {
    respond(error_response(make_error(code, std::move(message))));
  };
  if (request.req.method != "GET") {
    respond(
        {405, protocol::encode_error_body(make_error(Errc::bad_request, "method not allowed"))});
    return true;
  }
  const auto* q = param(request.target, "q");
  if (!q) {
    fail(Errc::bad_request, "q is required");
    return true;
  }
  if (q->size() > kMaxQueryBytes) {
    fail(Errc::bad_request, "q is longer than " + std::to_string(kMaxQueryBytes) + " bytes");
    return true;
  }
  if (!valid_utf8(*q)) {
    fail(Errc::bad_request, "q is not valid UTF-8");
    return true;
  }
  auto limit = api::int_param(request.target, "limit", 20, 1, kMaxLimit, api::AboveMax::reject);
  if (!limit) {
    respond(error_response(limit.error()));
    return true;
  }
  const auto* cursor = param(request.target, "cursor");
  if (cursor && cursor->size() > kMaxCursorBytes) {
    fail(Errc::bad_request, "bad cursor");
    return true;
  }
  // The scope's store reads and the query itself: off the event loop in
  // cluster mode (a query may take a while on a large index).
  chat_.run_request<SearchPage>(
      [this, user = request.user, target = request.target, q = *q, limit = *limit,
       cursor = cursor ? *cursor : std::string()]() -> Result<SearchPage> {
        auto ids = scope(user, target);
        if (!ids) return std::move(ids).error();
        const auto started = std::chrono::steady_clock::now();
        auto page = index_.search(
            SearchQuery{std::move(ids).value(), q, static_cast<int>(limit), cursor});
        metric::query_latency.observe_us(static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::steady_clock::now() - started)
                .count()));
        return page;
      },
      [respond](Result<SearchPage> page) {
        if (!page) return respond(error_response(page.error()));
        respond({200, page_body(*page)});
      });
  return true;
}

}  // namespace parley::search
