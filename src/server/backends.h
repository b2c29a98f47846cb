#pragma once
// Chooses the backends for `parley serve` from the config: embedded (SQLite,
// in-process bus and presence) unless URLs name cluster ones (PostgreSQL
// shards, Redis bus nodes, Redis presence). The service and the gateway see
// only the interfaces; this is the one place that names implementations.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "bus/bus.h"
#include "common/result.h"
#include "presence/presence.h"
#include "server/config.h"
#include "store/store.h"

namespace parley::server {

// A dependency whose health /readyz reports. probe may block (it runs on the
// readiness thread, never on the event loop).
struct Dependency {
  std::string name;  // "store", "store.s1", "bus", "presence", ...
  std::function<bool()> probe;
  bool required = true;  // false: reported, but never makes the gateway unready
};

struct ServerBackends {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<bus::Bus> bus;
  std::unique_ptr<presence::Presence> presence;
  std::vector<Dependency> dependencies;
  bool cluster = false;  // any backend other than the embedded ones
  std::string describe;  // for the start-up log line, without credentials
};

// Misconfiguration (malformed URL, unreachable store at start) is an error.
Result<ServerBackends> open_backends(const Config& config, boost::asio::any_io_executor ex);

// "postgres://user:secret@host/db" -> "postgres://host/db": for logs.
std::string redact_url(const std::string& url);

}  // namespace parley::server
