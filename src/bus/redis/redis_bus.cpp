#include "bus/redis/redis_bus.h"

#include <boost/asio/post.hpp>
#include <stdexcept>

#include "bus/redis/envelope_codec.h"
#include "bus/redis/publish_worker.h"
#include "bus/redis/redis_bus_metrics.h"
#include "bus/redis/subscribe_worker.h"

namespace parley::bus {
namespace {

std::vector<redis::Endpoint> parse_all(const std::vector<std::string>& urls) {
  if (urls.empty()) throw std::invalid_argument("redis bus: no node URLs");
  std::vector<redis::Endpoint> out;
  for (const auto& u : urls) {
    auto ep = redis::parse_endpoint(u);
    if (!ep) throw std::invalid_argument("redis bus: malformed node URL: " + u);
    out.push_back(*ep);
  }
  return out;
}

// Ring identities are the normalized URLs, so "127.0.0.1:6379" and
// "redis://127.0.0.1:6379/0" hash alike on every gateway.
std::vector<std::string> names_of(const std::vector<std::string>& urls) {
  std::vector<std::string> names;
  for (const auto& ep : parse_all(urls)) names.push_back(ep.url());
  return names;
}

}  // namespace

struct RedisBus::Node {
  Node(const redis::Endpoint& ep, std::size_t max_queued, SubscribeWorker::OnMessage on_message,
       SubscribeWorker::OnConnected on_connected)
      : pub(ep, max_queued), sub(ep, std::move(on_message), std::move(on_connected)) {}
  PublishWorker pub;
  SubscribeWorker sub;
};

RedisBus::RedisBus(boost::asio::any_io_executor ex, const std::vector<std::string>& urls,
                   RedisBusOptions options)
    : ex_(std::move(ex)), delivery_(std::make_shared<Delivery>()), ring_(names_of(urls)) {
  // Runs on a subscriber link's thread: decode there (off the event loop),
  // then post. One thread per node posting in arrival order keeps each
  // channel's order.
  auto on_message = [ex = ex_, delivery = delivery_](std::string_view channel,
                                                     std::string_view payload) {
    auto e = decode_envelope(payload);
    if (!e || channel_of(e->scope, e->target) != channel) {
      metric::redis_bad_payloads.inc();
      return;
    }
    boost::asio::post(ex, [delivery, channel = std::string(channel), e = std::move(*e)] {
      // Unsubscribed since Redis sent it: the caller asked for no more.
      if (!delivery->handler || !delivery->refs.contains(channel)) return;
      delivery->handler(e);
    });
  };
  delivery_->bus = this;
  auto endpoints = parse_all(urls);
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    // Runs on the subscriber's link thread; the wanted set lives on the loop.
    auto on_connected = [ex = ex_, delivery = delivery_, i] {
      boost::asio::post(ex, [delivery, i] {
        if (delivery->bus) delivery->bus->resubscribe(i);
      });
    };
    nodes_.push_back(std::make_unique<Node>(endpoints[i], options.max_queued_publishes,
                                            on_message, on_connected));
  }
}

RedisBus::~RedisBus() {
  nodes_.clear();  // joins every link thread: nothing posts after this
  delivery_->handler = nullptr;
  delivery_->refs.clear();
  delivery_->bus = nullptr;
}

void RedisBus::resubscribe(std::size_t index) {
  std::vector<std::string> channels;
  for (const auto& [channel, count] : delivery_->refs)
    if (ring_.node_for(channel) == index) channels.push_back(channel);
  nodes_[index]->sub.resubscribe(std::move(channels));
}

RedisBus::Node& RedisBus::node_of(const std::string& channel) {
  return *nodes_[ring_.node_for(channel)];
}

void RedisBus::set_handler(Handler handler) { delivery_->handler = std::move(handler); }

void RedisBus::publish(Envelope envelope) {
  auto channel = channel_of(envelope.scope, envelope.target);
  auto& node = node_of(channel);
  if (!node.pub.enqueue(std::move(channel), encode_envelope(envelope)))
    metric::redis_publish_dropped.inc();
}

void RedisBus::subscribe(Envelope::Scope scope, const std::string& target) {
  auto channel = channel_of(scope, target);
  if (++delivery_->refs[channel] > 1) return;
  auto& node = node_of(channel);
  node.sub.subscribe(std::move(channel));
}

void RedisBus::unsubscribe(Envelope::Scope scope, const std::string& target) {
  auto channel = channel_of(scope, target);
  auto it = delivery_->refs.find(channel);
  if (it == delivery_->refs.end()) return;  // never subscribed: nothing to undo
  if (--it->second > 0) return;
  delivery_->refs.erase(it);
  auto& node = node_of(channel);
  node.sub.unsubscribe(std::move(channel));
}

bool RedisBus::healthy() const {
  for (const auto& n : nodes_)
    if (!n->pub.connected() || !n->sub.connected()) return false;
  return true;
}

std::size_t RedisBus::confirmed_subscriptions() const {
  std::size_t total = 0;
  for (const auto& n : nodes_) total += n->sub.confirmed();
  return total;
}

}  // namespace parley::bus
