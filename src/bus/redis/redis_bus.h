#pragma once
// Cluster-mode bus over Redis pub/sub. Each channel ("pc:<conversation>",
// "pu:<user>") lives on one node chosen by consistent hashing; per node one
// publisher and one subscriber connection, each on its own thread. Handler
// calls are posted to the gateway's event loop.
//
// Guarantees: best-effort (a full queue or a lost connection drops
// envelopes; clients repair gaps by seq from the store), and envelopes of one
// channel reach the handler in publish order from any one publisher, provided
// the executor runs handlers in order (a single-threaded io_context or a
// strand).
#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "bus/bus.h"
#include "bus/redis/node_ring.h"

namespace parley::bus {

struct RedisBusOptions {
  // Envelopes waiting per node while Redis is slow or down; beyond this
  // publish drops (and counts) them.
  std::size_t max_queued_publishes = 65536;
};

class RedisBus final : public Bus {
 public:
  // urls: "redis://host:port", at least one; every gateway must list the
  // same nodes (in any order). Throws std::invalid_argument on a malformed
  // list: misconfiguration at start-up. Connects in the background.
  // Construct on the event loop or before it runs (like every call below).
  RedisBus(boost::asio::any_io_executor ex, const std::vector<std::string>& urls,
           RedisBusOptions options = {});
  // On the event loop, or after it has stopped: joins the node threads, then
  // disarms deliveries still queued on the loop.
  ~RedisBus() override;

  // All of these on the event loop (the executor's thread).
  void set_handler(Handler handler) override;
  void publish(Envelope envelope) override;
  void subscribe(Envelope::Scope scope, const std::string& target) override;
  void unsubscribe(Envelope::Scope scope, const std::string& target) override;

  // Any thread. Every node's two connections are up (readiness).
  bool healthy() const;
  // Channels Redis has confirmed, summed over nodes: after a reconnect this
  // climbs back to the number wanted.
  std::size_t confirmed_subscriptions() const;

 private:
  struct Node;
  // Touched only on the event loop; shared with posted deliveries so that
  // one posted after the bus is gone finds no handler instead of a dangling one.
  struct Delivery {
    Handler handler;
    std::unordered_map<std::string, int> refs;  // channel -> subscribe count
    RedisBus* bus = nullptr;  // null once the bus is gone
  };

  Node& node_of(const std::string& channel);
  // On the event loop: every channel of node `index` wanted, sent to its
  // subscriber again (after that subscriber connected).
  void resubscribe(std::size_t index);

  boost::asio::any_io_executor ex_;
  std::shared_ptr<Delivery> delivery_;
  NodeRing ring_;
  std::vector<std::unique_ptr<Node>> nodes_;
};

}  // namespace parley::bus
