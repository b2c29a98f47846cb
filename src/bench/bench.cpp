// The coordinator: plan, fork the workers, step the phases, merge, report.
#include "bench/bench.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <regex>
#include <sstream>
#include <thread>

#include "bench/plan.h"
#include "bench/shared_state.h"

namespace parley::bench {

namespace json = boost::json;

namespace {

constexpr int kMaxFilesPerProc = 19'000;  // the machine allows 20,000 per process

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

json::array load_average() {
  double a = 0, b = 0, c = 0;
  std::istringstream(read_file("/proc/loadavg")) >> a >> b >> c;
  return {a, b, c};
}

long rss_kib(int pid) {
  std::istringstream in(read_file("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// The pid listening on `port`, from `ss -ltnp` (0: not found).
int pid_of_port(std::uint16_t port) {
  std::string cmd = "ss -ltnpH 'sport = :" + std::to_string(port) + "' 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  if (!p) return 0;
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p.get())) out += buf;
  std::smatch m;
  if (std::regex_search(out, m, std::regex("pid=([0-9]+)"))) return std::stoi(m[1]);
  return 0;
}

// "HOST:PORT,HOST:PORT" -> gateways; false on a malformed entry.
bool parse_gateways(const std::string& text, std::vector<Gateway>& out) {
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    auto colon = item.rfind(':');
    if (colon == std::string::npos || colon == 0) return false;
    char* end = nullptr;
    long port = std::strtol(item.c_str() + colon + 1, &end, 10);
    if (*end != 0 || port <= 0 || port > 65535) return false;
    out.push_back({item.substr(0, colon), static_cast<std::uint16_t>(port)});
  }
  return !out.empty();
}

json::object summary(const Histogram& h) {
  return {{"count", h.count()},          {"p50", h.percentile(50)},
          {"p90", h.percentile(90)},     {"p99", h.percentile(99)},
          {"p99_9", h.percentile(99.9)}, {"max", h.max()},
          {"mean", std::round(h.mean())}};
}

class Coordinator {
 public:
  explicit Coordinator(const Options& o) : o_(o) {}

  int run() {
    json::object out;
    out["scenario"] = o_.scenario;
    out["server"] = o_.host + ":" + std::to_string(o_.port);
    json::array gateways;
    for (auto& g : o_.gateway_list)
      gateways.push_back(json::value(g.host + ":" + std::to_string(g.port)));
    out["gateways"] = std::move(gateways);
    out["procs"] = o_.procs;
    out["load_average_start"] = load_average();

    std::string error;
    std::cerr << "[" << o_.scenario << "] setting up...\n";
    Plan plan;
    if (!make_plan(o_, plan, error)) return fail(error);
    total_ = plan.conns.size();
    for (std::size_t i = 0; i < total_; ++i) plan.conns[i].gateway = i % o_.gateway_list.size();
    if (total_ / static_cast<std::size_t>(o_.procs) + 1 > kMaxFilesPerProc)
      return fail("too many connections per process: use --procs " +
                  std::to_string(total_ / kMaxFilesPerProc + 1) + " or more");
    out["connections"] = total_;

    // idle: the server's process, or every gateway's (a cluster, the Node baseline).
    std::vector<int> server_pids;
    long rss_before = 0;
    if (o_.scenario == "idle") {
      if (o_.server_pid != 0) server_pids.push_back(o_.server_pid);
      for (std::size_t k = 0; o_.server_pid == 0 && k < o_.gateway_list.size(); ++k) {
        int pid = pid_of_port(o_.gateway_list[k].port);
        if (pid == 0)
          return fail("idle: server pid not found on port " +
                      std::to_string(o_.gateway_list[k].port) + "; pass --server-pid");
        if (std::find(server_pids.begin(), server_pids.end(), pid) == server_pids.end())
          server_pids.push_back(pid);
      }
      for (int pid : server_pids) rss_before += rss_kib(pid);
    }

    void* mem = mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                     -1, 0);
    if (mem == MAP_FAILED) return fail("mmap failed");
    sh_ = new (mem) Shared();
    start_ns_ = steady_ns();
    std::cout.flush();
    for (int i = 0; i < o_.procs; ++i) {
      pid_t pid = fork();
      if (pid < 0) return fail("fork failed");
      if (pid == 0) _exit(run_worker(o_, plan, *sh_, i));
      children_.push_back(pid);
    }

    // Connect: every worker has all its connections live.
    bool all = wait_for([&] { return sum(&Slot::ready) == std::uint64_t(o_.procs); },
                        o_.connect_timeout_s);
    double connect_s = secs(start_ns_);
    out["connect_s"] = connect_s;
    out["connected"] = sum(&Slot::live);
    if (!all) {
      shutdown();
      return fail("not every connection got live within " + std::to_string(o_.connect_timeout_s) +
                  " s (" + std::to_string(sum(&Slot::live)) + " of " + std::to_string(total_) + ")");
    }

    if (o_.scenario == "idle") {
      wait_for([] { return false; }, 1.0);  // settle
      long rss_after = 0;
      json::array pids;
      for (int pid : server_pids) {
        rss_after += rss_kib(pid);
        pids.push_back(pid);
      }
      out["server_pid"] = server_pids.front();
      out["server_pids"] = std::move(pids);
      out["rss_before_kib"] = rss_before;
      out["rss_after_kib"] = rss_after;
      out["rss_growth_kib"] = rss_after - rss_before;
      out["bytes_per_connection"] = double(rss_after - rss_before) * 1024.0 / double(total_);
    }

    sh_->go_ns.store(steady_ns());
    sh_->phase.store(kGo);
    std::int64_t go = sh_->go_ns.load();

    if (o_.scenario == "fanout" || o_.scenario == "durable") {
      wait_for([] { return false; }, o_.duration_s);
      sh_->phase.store(kStop);
      double window = secs(go);
      out["duration_s"] = window;
      // Drain: until every send is acked and (fanout) delivered, or drain_s.
      std::uint64_t members = o_.scenario == "fanout" ? std::uint64_t(o_.members) : 1;
      wait_for([&] {
        return sum(&Slot::acked) >= sum(&Slot::sent) &&
               sum(&Slot::delivered) >= sum(&Slot::acked) * members;
      }, o_.drain_s);
      std::uint64_t sent = sum(&Slot::sent), acked = sum(&Slot::acked);
      out["sent"] = sent;
      out["acked"] = acked;
      if (o_.scenario == "fanout") {
        out["groups"] = o_.groups;
        out["members"] = o_.members;
        out["senders"] = o_.senders;
        out["target_rate"] = o_.rate;
        out["sends_per_s"] = double(sent) / window;
        out["deliveries"] = sum(&Slot::delivered);
        out["deliveries_expected"] = acked * members;
        out["deliveries_per_s"] = double(sum(&Slot::delivered_window)) / window;
      } else {
        out["inflight"] = o_.inflight;
        out["acked_per_s"] = double(sum(&Slot::acked_window)) / window;
      }
    } else if (o_.scenario == "reconnect") {
      out["mode"] = o_.restart_cmd.empty() ? "client_drop" : "server_restart";
      if (!o_.restart_cmd.empty()) {
        int rc = std::system(o_.restart_cmd.c_str());
        out["restart_cmd_exit"] = rc;
      }
      wait_for([&] { return sum(&Slot::resumed) >= total_; }, o_.connect_timeout_s);
      std::int64_t last = 0;
      for (int i = 0; i < o_.procs; ++i) last = std::max(last, sh_->slots[i].last_resume_ns.load());
      out["resumed"] = sum(&Slot::resumed);
      out["all_resumed_s"] = last > go ? double(last - go) / 1e9 : 0.0;
    }

    out["errors"] = sum(&Slot::errors);
    out["disconnects"] = sum(&Slot::disconnects);
    out["failed_attempts"] = sum(&Slot::failed_attempts);
    shutdown();
    progress(true);

    Histogram h;
    for (int i = 0; i < o_.procs; ++i) h.merge(sh_->slots[i].latency);
    const char* name = o_.scenario == "fanout"    ? "latency_us"
                       : o_.scenario == "durable" ? "ack_latency_us"
                                                  : "resume_latency_us";
    if (o_.scenario != "idle") out[name] = summary(h);
    out["load_average_end"] = load_average();

    std::string text = json::serialize(out) + "\n";
    if (o_.json_file.empty()) {
      std::cout << text << std::flush;
    } else {
      std::ofstream(o_.json_file) << text;
    }
    if (!o_.svg_file.empty() && o_.scenario != "idle")
      std::ofstream(o_.svg_file) << percentile_svg(
          {{o_.scenario + " " + name, &h}}, "parley bench " + o_.scenario);
    return 0;
  }

 private:
  int fail(const std::string& message) {
    std::cerr << "parley bench: " << message << "\n";
    return 1;
  }

  double secs(std::int64_t since_ns) const { return double(steady_ns() - since_ns) / 1e9; }

  std::uint64_t sum(std::atomic<std::uint64_t> Slot::*field) const {
    std::uint64_t n = 0;
    for (int i = 0; i < o_.procs; ++i) n += (sh_->slots[i].*field).load();
    return n;
  }
  std::uint64_t sum(std::atomic<int> Slot::*field) const {
    std::uint64_t n = 0;
    for (int i = 0; i < o_.procs; ++i) n += std::uint64_t((sh_->slots[i].*field).load());
    return n;
  }

  // Polls `done` every 20 ms for up to `timeout_s`, printing progress each second.
  bool wait_for(const std::function<bool()>& done, double timeout_s) {
    std::int64_t until = steady_ns() + static_cast<std::int64_t>(timeout_s * 1e9);
    while (steady_ns() < until) {
      if (done()) return true;
      for (pid_t& p : children_)
        if (p > 0 && waitpid(p, nullptr, WNOHANG) == p) {
          p = -1;
          std::cerr << "parley bench: a worker died\n";
          return false;
        }
      progress(false);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
  }

  void progress(bool final) {
    std::int64_t now = steady_ns();
    if (!final && now - last_progress_ns_ < 1'000'000'000) return;
    std::uint64_t delivered = sum(&Slot::delivered), acked = sum(&Slot::acked);
    double dt = last_progress_ns_ ? double(now - last_progress_ns_) / 1e9 : 1;
    char line[256];
    std::snprintf(line, sizeof line,
                  "[%s %5.1fs] live %llu/%zu sent %llu acked %llu (%.0f/s) delivered %llu "
                  "(%.0f/s) resumed %llu errors %llu failed attempts %llu",
                  o_.scenario.c_str(), double(now - start_ns_) / 1e9,
                  (unsigned long long)sum(&Slot::live), total_, (unsigned long long)sum(&Slot::sent),
                  (unsigned long long)acked, double(acked - last_acked_) / dt,
                  (unsigned long long)delivered, double(delivered - last_delivered_) / dt,
                  (unsigned long long)sum(&Slot::resumed), (unsigned long long)sum(&Slot::errors),
                  (unsigned long long)sum(&Slot::failed_attempts));
    std::cerr << line << "\n";
    last_progress_ns_ = now;
    last_acked_ = acked;
    last_delivered_ = delivered;
  }

  void shutdown() {
    sh_->phase.store(kExit);
    std::int64_t until = steady_ns() + 10'000'000'000;
    for (pid_t& p : children_) {
      while (p > 0) {
        if (waitpid(p, nullptr, WNOHANG) == p || steady_ns() > until) {
          if (steady_ns() > until) {
            kill(p, SIGKILL);
            waitpid(p, nullptr, 0);
          }
          p = -1;
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
      }
    }
  }

  const Options& o_;
  Shared* sh_ = nullptr;
  std::vector<pid_t> children_;
  std::size_t total_ = 0;
  std::int64_t start_ns_ = 0, last_progress_ns_ = 0;
  std::uint64_t last_acked_ = 0, last_delivered_ = 0;
};

}  // namespace

int run(const Options& o) {
  Options options = o;
  options.procs = std::clamp(options.procs, 1, kMaxProcs);
  if (options.gateways.empty())
    if (const char* env = std::getenv("PARLEY_BENCH_GATEWAYS"); env && *env) options.gateways = env;
  if (options.gateways.empty()) {
    options.gateway_list = {{options.host, options.port}};
  } else {
    if (!parse_gateways(options.gateways, options.gateway_list)) {
      std::cerr << "parley bench: bad gateway list " << options.gateways << " (HOST:PORT,...)\n";
      return 2;
    }
    options.host = options.gateway_list.front().host;  // REST goes to the first
    options.port = options.gateway_list.front().port;
  }
  return Coordinator(options).run();
}

}  // namespace parley::bench
