#include "worker/worker_command.h"

#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "eventlog/open_event_log.h"
#include "store/postgres/pg_store.h"
#include "store/sharded/sharded_store.h"
#include "store/sqlite/sqlite_store.h"
#include "worker/worker_registry.h"

namespace parley::worker {

namespace {

int fail(const std::string& message) {
  std::cerr << "parley worker: " << message << "\n";
  return 2;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The store the handlers read: "sqlite" (<data>/parley.db, embedded mode) or
// PostgreSQL URLs, sharded by position as `parley serve` names them (s0, s1...).
Result<std::unique_ptr<store::Store>> open_store(const std::string& spec,
                                                 const std::string& data_dir) {
  if (spec == "sqlite") {
    auto s = store::SqliteStore::open(data_dir + "/parley.db");
    if (!s) return s.error();
    return std::unique_ptr<store::Store>(std::move(s).value());
  }
  auto urls = split(spec);
  std::vector<store::Shard> shards;
  for (std::size_t i = 0; i < urls.size(); ++i) {
    if (!urls[i].starts_with("postgres://") && !urls[i].starts_with("postgresql://")) {
      return make_error(Errc::bad_request, "--store: expected sqlite or postgres:// URLs");
    }
    auto s = store::PostgresStore::open(urls[i]);
    if (!s) return s.error();
    if (urls.size() == 1) return std::unique_ptr<store::Store>(std::move(s).value());
    shards.push_back({"s" + std::to_string(i), std::move(s).value()});
  }
  auto sharded = store::ShardedStore::create(std::move(shards));
  if (!sharded) return sharded.error();
  return std::unique_ptr<store::Store>(std::move(sharded).value());
}

}  // namespace

WorkerCommand::WorkerCommand(CLI::App& app) {
  cmd_ = app.add_subcommand("worker", "run a durable consumer of the event log");
  cmd_->add_option("name", name_, "the worker: " + [] {
    std::string list;
    for (const auto& n : WorkerRegistry::builtin().names()) list += (list.empty() ? "" : ", ") + n;
    return list;
  }())->required();
  cmd_->add_option("--eventlog", eventlog_, "nats://host:port, or local (<data>/events.db)")
      ->required();
  cmd_->add_option("--store", store_, "what handlers read: sqlite, or postgres://...[,...]");
  cmd_->add_option("--data", data_, "data directory (local event log, SQLite store)");
  cmd_->add_option("--file", file_, "a file the worker uses (events-file: its output)");
  cmd_->add_option("--consumer", consumer_, "durable consumer name (default: the worker's)");
  cmd_->add_option("--param", params_, "key=value for the worker (repeatable)");
  cmd_->add_option("--log-level", log_level_, "trace|debug|info|warn|error");
}

bool WorkerCommand::chosen() const { return cmd_->parsed(); }

int WorkerCommand::run() {
  spdlog::set_level(spdlog::level::from_str(log_level_));
  const WorkerSpec* spec = WorkerRegistry::builtin().find(name_);
  if (!spec) return fail("unknown worker " + name_);

  // Blocked before any thread starts (threads inherit the mask), so only
  // sigwait below sees them: a clean stop, never a handler mid-event.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto log = eventlog::open_event_log(eventlog_, data_);
  if (!log) return fail("event log: " + log.error().message);
  std::unique_ptr<store::Store> store;
  if (!store_.empty()) {
    auto s = open_store(store_, data_);
    if (!s) return fail("store: " + s.error().message);
    store = std::move(s).value();
  }
  WorkerContext ctx{name_, **log, store.get(), data_, file_, {}, {}};
  for (const auto& p : params_) {
    auto eq = p.find('=');
    if (eq == std::string::npos) return fail("--param wants key=value, got " + p);
    ctx.params[p.substr(0, eq)] = p.substr(eq + 1);
  }
  auto handler = spec->make(ctx);
  if (!handler) return fail(name_ + ": " + handler.error().message);
  const std::string consumer_name = consumer_.empty() ? name_ : consumer_;
  auto consumer = (*log)->consume(consumer_name, std::move(handler).value(), ctx.flush);
  if (!consumer) return fail("consume: " + consumer.error().message);
  // Scripts and tests wait for this line.
  std::cout << "worker " << name_ << " consuming as " << consumer_name << std::endl;

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("worker {}: signal {}, stopping", name_, sig);
  (*consumer)->stop();
  return 0;
}

}  // namespace parley::worker
