#pragma once
// The composition root of embedded mode: SQLite store, in-process bus and
// presence, one event loop for the network and the service, one writer
// thread for group commit.
#include <functional>

#include "common/result.h"
#include "server/config.h"

namespace parley::server {

// Runs until SIGTERM/SIGINT. on_listening gets "HOST:PORT" once bound.
// Returns the process exit code.
int run_embedded(const Config& config, const std::function<void(const std::string&)>& on_listening);

}  // namespace parley::server
