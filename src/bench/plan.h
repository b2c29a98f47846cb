#pragma once
// Who connects where: built by the coordinator before the fork (groups are
// created over REST then), read by every worker.
#include <string>
#include <vector>

#include "bench/bench.h"

namespace parley::bench {

struct Conn {
  std::string user;
  std::string conversation;  // tracked, and where a sender sends ("" for idle)
  bool sender = false;
  std::size_t gateway = 0;  // index in Options::gateway_list
};

struct Plan {
  std::vector<Conn> conns;
  int senders = 0;
};

// Makes the users and creates their groups; false (with a message) on failure.
bool make_plan(const Options& o, Plan& plan, std::string& error);
std::string mint_token(const std::string& user, const std::string& secret);

// Worker `index` of `procs`: its share of plan.conns (i % procs == index).
int run_worker(const Options& o, const Plan& plan, struct Shared& shared, int index);

}  // namespace parley::bench
