#pragma once
// GET /api/search?q=&conversation_id=&limit=&cursor= (docs/protocol.md):
// ranked matches in the caller's conversations. Membership is asked of the
// chat service at query time, so a member removed a moment ago finds nothing
// there any more, whatever the index still holds. Register through
// api::RestOptions::modules.
#include "api/route_module.h"
#include "search/search_index.h"
#include "service/chat_service.h"

namespace parley::search {

class SearchRoutes final : public api::RouteModule {
 public:
  SearchRoutes(service::ChatService& chat, SearchIndex& index) : chat_(chat), index_(index) {}

  bool handle(const api::AuthedRequest& request,
              const std::function<void(gateway::HttpResponse)>& respond) override;

 private:
  // The conversations the search may look in: the one asked for (when the
  // caller is a member), else all of the caller's.
  Result<std::vector<std::string>> scope(const std::string& user, const Target& target);

  service::ChatService& chat_;
  SearchIndex& index_;
};

}  // namespace parley::search
