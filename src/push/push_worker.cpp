#include "push/push_worker.h"

#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>

#include <boost/json/parse.hpp>

#include "common/log.h"
#include "presence/local/local_presence.h"
#include "presence/redis/redis_presence.h"
#include "push/open_device_registry.h"
#include "push/push_system.h"

namespace parley::push {
namespace {

std::string param(const worker::WorkerContext& ctx, const std::string& key) {
  auto it = ctx.params.find(key);
  return it == ctx.params.end() ? std::string() : it->second;
}

Result<PushConfig> read_config(const std::string& path) {
  PushConfig config;
  if (path.empty()) return config;
  std::ifstream in(path);
  if (!in) return make_error(Errc::bad_request, "push: cannot read config file " + path);
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  auto doc = boost::json::parse(text.str(), ec);
  if (ec || !doc.is_object()) return make_error(Errc::bad_request, "push: config is not a JSON object");
  if (auto* push = doc.get_object().if_contains("push"))
    if (auto s = load_push_config(*push, config); !s) return s.error();
  return config;
}

// What the handler keeps alive between events.
struct PushWorkerState {
  std::unique_ptr<presence::Presence> presence;
  std::unique_ptr<PushSystem> push;
};

}  // namespace

worker::WorkerSpec push_worker() {
  return worker::WorkerSpec{
      "push",
      "push notifications for offline members: --store, --param devices=postgres://..., "
      "presence=redis://..., config=PATH",
      [](worker::WorkerContext& ctx) -> Result<eventlog::Handler> {
        if (!ctx.store)
          return make_error(Errc::bad_request, "push needs --store (conversation members)");
        auto config = read_config(param(ctx, "config"));
        if (!config) return config.error();
        if (config->vapid_key_file.empty())
          component_logger("push")->warn(
              "push.vapid_key_file is not set: Web Push is signed with a key of this worker's "
              "own, which browsers subscribed through a gateway will not accept");
        // Required, not defaulted: a worker reading a registry no gateway
        // writes would push to nobody and look healthy.
        std::string devices = param(ctx, "devices");
        if (devices.empty())
          return make_error(Errc::bad_request,
                            "push needs --param devices=postgres://... (or file:PATH)");
        auto registry = open_device_registry(devices, ctx.data_dir);
        if (!registry) return registry.error();
        auto state = std::make_shared<PushWorkerState>();
        std::string presence_url = param(ctx, "presence");
        if (presence_url.empty()) {
          component_logger("push")->warn(
              "push worker without --param presence=redis://...: everyone counts as offline");
          state->presence = std::make_unique<presence::LocalPresence>();
        } else {
          try {
            // Only queried, never written: the id just has to be unique.
            state->presence = std::make_unique<presence::RedisPresence>(
                "push-worker-" + std::to_string(::getpid()), presence_url);
          } catch (const std::exception& e) {
            return make_error(Errc::bad_request, std::string("push: presence: ") + e.what());
          }
        }
        auto push = PushSystem::create(*config, ctx.data_dir, std::move(*registry), *ctx.store,
                                       *state->presence);
        if (!push) return push.error();
        state->push = std::move(*push);
        // Batched: one member query and one presence query per fetched
        // batch (push_notifier.h).
        ctx.flush = [state] { return state->push->flush(); };
        return eventlog::Handler(
            [state](const eventlog::Event& e) { return state->push->stage(e); });
      }};
}

}  // namespace parley::push
