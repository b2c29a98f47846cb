#pragma once
// The bus carries already-serialized frames to every gateway that has a
// recipient connected. Embedded mode: in-process (bus/local). Cluster mode:
// Redis pub/sub, one channel per conversation. Best-effort by design: the
// store is the truth and clients repair gaps by seq.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace parley::bus {

using Frame = std::shared_ptr<const std::string>;

struct Envelope {
  enum class Scope { conversation, user };
  Scope scope = Scope::conversation;
  std::string target;        // conversation id or user id
  Frame frame;               // serialized once, shared by every recipient
  std::string skip_user;     // recipients to leave out (typing: the typist)
  std::string skip_session;  // (receipts: the device that sent it)
  std::int64_t seq = 0;      // for `message` frames: per-device de-duplication
  bool ephemeral = false;    // typing, presence: may be dropped under pressure
  // A presence change of `skip_user`, sent on each of their conversations'
  // channels: a recipient who shares several of them hears it once.
  bool presence = false;
  // A control envelope carries no frame: it tells every gateway that hears
  // it that shared state changed, so caches are dropped and subscriptions
  // redone. members_changed: `about` is the user who joined or left (on a
  // conversation channel) or the conversation (on a user channel).
  enum class Control : unsigned char { none, members_changed };
  Control control = Control::none;
  std::string about = {};
};

class Bus {
 public:
  using Handler = std::function<void(const Envelope&)>;
  virtual ~Bus() = default;

  // Called for every envelope this gateway is subscribed to, on the
  // gateway's event loop.
  virtual void set_handler(Handler handler) = 0;
  virtual void publish(Envelope envelope) = 0;
  // Interest in a conversation or user; cluster buses subscribe channels.
  virtual void subscribe(Envelope::Scope scope, const std::string& target) = 0;
  virtual void unsubscribe(Envelope::Scope scope, const std::string& target) = 0;
};

}  // namespace parley::bus
