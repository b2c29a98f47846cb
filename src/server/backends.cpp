#include "server/backends.h"

#include <cstdio>
#include <filesystem>
#include <random>
#include <stdexcept>

#include <unistd.h>

#include "bus/local/local_bus.h"
#include "bus/redis/redis_bus.h"
#include "presence/local/local_presence.h"
#include "presence/redis/redis_presence.h"
#include "store/postgres/pg_store.h"
#include "store/sharded/sharded_store.h"
#include "store/sqlite/sqlite_store.h"

namespace parley::server {
namespace {

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// Every committed change also goes to the transactional outbox, for the
// event log, unless the event log is switched off.
store::StoreOptions store_options(const Config& c) {
  store::StoreOptions o;
  o.outbox = c.eventlog_url != "off";
  return o;
}

// A store answers a lookup of an id that cannot exist with not_found; any
// other failure (unavailable, internal) means it cannot serve.
bool store_answers(store::Store& s) {
  auto r = s.get_conversation("~readyz");
  return r || r.error().code == Errc::not_found;
}

// "s0", "s1", ...: built by appending, not as "s" + std::to_string(i), on
// which GCC 12 warns falsely (-Wrestrict, inlined memcpy), as it does on
// `const char* + std::string&&` below.
std::string shard_name(std::size_t i) {
  std::string name = "s";
  name += std::to_string(i);
  return name;
}

Status open_store(const Config& c, ServerBackends& out) {
  if (c.store_urls.empty()) {
    auto path = (std::filesystem::path(c.data_dir) / "parley.db").string();
    auto s = store::SqliteStore::open(path, store_options(c));
    if (!s) return Error{s.error().code, "cannot open store " + path + ": " + s.error().message};
    out.store = std::move(s).value();
    out.describe += "store=sqlite:" + path;
    return ok_status();
  }
  // Shards are named by their position in the list: the hash ring keys on
  // names, so the list may grow at the end but must never be reordered.
  std::vector<store::Shard> shards;
  std::vector<store::Store*> raw;
  std::string names;
  for (std::size_t i = 0; i < c.store_urls.size(); ++i) {
    const auto& url = c.store_urls[i];
    if (!starts_with(url, "postgres://") && !starts_with(url, "postgresql://"))
      return make_error(Errc::bad_request, "--store: expected postgres:// URLs, got " + redact_url(url));
    auto s = store::PostgresStore::open(url, store_options(c));
    if (!s) return Error{s.error().code, "cannot open store " + redact_url(url) + ": " + s.error().message};
    raw.push_back(s->get());
    shards.push_back({shard_name(i), std::move(s).value()});
    if (i) names += ',';
    names += redact_url(url);
  }
  for (std::size_t i = 0; i < raw.size(); ++i) {
    out.dependencies.push_back(
        {raw.size() == 1 ? "store" : "store." + shard_name(i),
         [s = raw[i]] { return store_answers(*s); }, true});
  }
  auto sharded = store::ShardedStore::create(std::move(shards));
  if (!sharded) return sharded.error();
  out.store = std::move(sharded).value();
  out.describe += "store=postgres:" + names;
  out.cluster = true;
  return ok_status();
}

// Unique per process: a restarted gateway is a new one, and the entries of
// the old one expire (presence TTL) instead of being mistaken for its own.
std::string default_gateway_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::uniform_int_distribution<int> hex(0, 0xffff);
  std::random_device rd;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", hex(rd));
  return std::string(host[0] ? host : "gw") + "-" + std::to_string(getpid()) + "-" + suffix;
}

}  // namespace

std::string redact_url(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto at = url.find('@', scheme + 3);
  auto slash = url.find('/', scheme + 3);
  if (at == std::string::npos || (slash != std::string::npos && at > slash)) return url;
  return url.substr(0, scheme + 3) + url.substr(at + 1);
}

Result<ServerBackends> open_backends(const Config& c, boost::asio::any_io_executor ex) {
  ServerBackends out;
  if (auto s = open_store(c, out); !s) return s.error();
  try {
    if (c.bus_urls.empty()) {
      out.bus = std::make_unique<bus::LocalBus>();
      out.describe += " bus=local";
    } else {
      auto redis = std::make_unique<bus::RedisBus>(ex, c.bus_urls);
      out.dependencies.push_back({"bus", [b = redis.get()] { return b->healthy(); }, true});
      out.bus = std::move(redis);
      out.describe += " bus=redis:" + std::to_string(c.bus_urls.size()) + " node(s)";
      out.cluster = true;
    }
    if (c.presence_url.empty()) {
      out.presence = std::make_unique<presence::LocalPresence>();
      out.describe += " presence=local";
    } else {
      presence::RedisPresenceOptions po;
      auto redis = std::make_unique<presence::RedisPresence>(
          c.gateway_id.empty() ? default_gateway_id() : c.gateway_id, c.presence_url, po);
      out.dependencies.push_back({"presence", [p = redis.get()] { return p->healthy(); }, true});
      out.presence = std::move(redis);
      out.describe += " presence=" + redact_url(c.presence_url);
      out.cluster = true;
    }
  } catch (const std::invalid_argument& e) {  // malformed URLs: start-up misconfiguration
    return make_error(Errc::bad_request, e.what());
  }
  if (out.dependencies.empty())
    out.dependencies.push_back({"store", [s = out.store.get()] { return store_answers(*s); }, true});
  return out;
}

}  // namespace parley::server
