#pragma once
// The chat service: what a frame or a REST call means. Sequencing and
// durability are the store's (through the GroupCommitter), fan-out is the
// bus's, transitions of presence are the PresenceTracker's; this class wires
// them together. Event-loop only, except authenticate(), read_conversation()
// and conversation_ids(), which cluster mode also runs on its store-read
// threads.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "auth/expiry_schedule.h"
#include "auth/token_verifier.h"
#include "bus/bus.h"
#include "gateway/chat_handler.h"
#include "presence/presence.h"
#include "protocol/client_frames.h"
#include "service/delivery_tracker.h"
#include "service/group_committer.h"
#include "service/conversation_subscriptions.h"
#include "service/membership_cache.h"
#include "service/presence_once.h"
#include "service/presence_tracker.h"
#include "service/rate_limiter.h"
#include "service/reorder_buffer.h"
#include "service/session_registry.h"
#include "service/typing_limiter.h"
#include "store/store.h"

namespace parley::service {

struct ServiceOptions {
  protocol::Limits limits;
  std::int64_t heartbeat_ms = 25'000;  // told to clients in hello
  std::int64_t retransmit_ms = 10'000;
  int max_retransmits = 5;
  std::size_t max_unacked = 4096;
  std::int64_t max_replay = 1000;  // per conversation and sync
  std::int64_t typing_interval_ms = 3000;
  std::int64_t presence_debounce_ms = 5000;
  std::size_t max_group_members = 10'000;
  // Cluster mode: the bus routes by subscription, so the service subscribes
  // each conversation of each connected user (conversation_subscriptions.h).
  bool cluster = false;
  std::int64_t reorder_window_ms = 50;  // reorder_buffer.h
  std::int64_t membership_ttl_ms = 0;   // membership_cache.h; 0: until invalidated
  // Abuse limits (chat_service_admission.cpp); 0 / per_second 0: off.
  std::size_t max_connections_per_user = 20;
  RateLimit user_sends;          // per sender, WebSocket and REST alike
  RateLimit conversation_sends;  // per conversation, all senders together
  // Checks the attachment of an image or file send and answers the media
  // JSON to store with it (media/media_library.h, wired in server/); unset:
  // sends with media are refused.
  std::function<Result<std::string>(const std::string& user_id,
                                    const std::string& conversation_id, const std::string& kind,
                                    const protocol::MediaRef& media)>
      attach_media;
};

struct Backends {
  store::Store& store;
  bus::Bus& bus;
  presence::Presence& presence;
  GroupCommitter& committer;
  const auth::TokenVerifier& verifier;
};

class ChatService final : public gateway::ChatHandler {
 public:
  ChatService(boost::asio::any_io_executor ex, Backends backends, ServiceOptions options);

  // ---- gateway::ChatHandler ----
  Result<std::string> authenticate(std::string_view token) override;
  Result<gateway::Admission> admit(std::string_view token) override;
  void on_connect(const gateway::ConnectionPtr& conn) override;
  void on_frame(const gateway::ConnectionPtr& conn, protocol::ClientFrame frame) override;
  void on_disconnect(const gateway::ConnectionPtr& conn) override;

  // ---- operations shared with the REST API (api/) ----
  using SendDone = std::function<void(Result<store::AppendResult>)>;
  void send(const std::string& user_id, protocol::SendFrame frame, SendDone done);

  struct Created {
    store::Conversation conversation;
    bool created = true;  // false: an existing direct conversation
  };
  // Each REST call answers through `done`, on the event loop. In cluster mode
  // its store work (PostgreSQL round trips) runs on the request lane, off the
  // loop: a REST call must not hold up every WebSocket of the gateway, nor
  // freeze them while the database is unreachable. Embedded mode (a local
  // SQLite file) answers before the call returns.
  template <class T>
  using Reply = std::function<void(Result<T>)>;
  void create_conversation(const std::string& user_id, const std::string& type,
                           const std::string& name, std::vector<std::string> members,
                           Reply<Created> done);
  void conversation(const std::string& user_id, const std::string& id,
                    Reply<store::Conversation> done);
  void conversations(const std::string& user_id, int limit,
                     const std::optional<store::ListCursor>& after,
                     Reply<std::vector<store::ConversationSummary>> done);
  void add_member(const std::string& user_id, const std::string& id,
                  const std::string& new_member, Reply<store::Conversation> done);
  void remove_member(const std::string& user_id, const std::string& id,
                     const std::string& member, Reply<Unit> done);
  void history(const std::string& user_id, const std::string& id, std::int64_t before_seq,
               std::int64_t after_seq, int limit, Reply<store::MessagePage> done);
  // Users who share no conversation with user_id come back as nullopt.
  void presence_of(const std::string& user_id, const std::vector<std::string>& users,
                   Reply<std::vector<std::optional<presence::PresenceState>>> done);
  // A feature route's blocking work (a search query): `work` runs where the
  // store work of the calls above runs, `done(answer)` on the event loop.
  // `work` may only use what is safe on any thread: the store, a search index,
  // read_conversation(), conversation_ids().
  template <class T>
  void run_request(std::function<Result<T>()> work, Reply<T> done) {
    read_off_loop(std::move(work), std::move(done), ReadLane::request);
  }

  // Safe on any thread (store reads only):
  // The conversation, if user_id is a member (outsider_error otherwise).
  Result<store::Conversation> read_conversation(const std::string& user_id,
                                                const std::string& id);
  // Every conversation id of the user, all pages.
  Result<std::vector<std::string>> conversation_ids(const std::string& user_id);

  const ServiceOptions& options() const { return options_; }

  // Shutdown: writes are refused with `unavailable` from now on.
  void stop_accepting_writes() { draining_ = true; }
  // Tells every device to come back after a random delay in [0, max_ms].
  void announce_reconnect(std::int64_t max_ms);
  void cancel_timers();
  // Once the event loop has stopped: waits for the store work in flight on
  // the lanes (answers are dropped) and ends their threads, so what that
  // work uses (a search index, feature routes) may be destroyed next.
  void join_lanes();
  std::size_t connection_count() const { return sessions_.connection_count(); }

 private:
  void handle(const gateway::ConnectionPtr& conn, const std::string& req,
              protocol::SendFrame& f);
  void handle(const gateway::ConnectionPtr& conn, const std::string& req,
              protocol::TypingFrame& f);
  void handle(const gateway::ConnectionPtr& conn, const std::string& req,
              protocol::ReceiptFrame& f);
  void handle(const gateway::ConnectionPtr& conn, const std::string& req,
              protocol::EditFrame& f);
  void handle(const gateway::ConnectionPtr& conn, const std::string& req,
              protocol::DeleteFrame& f);
  void handle(const gateway::ConnectionPtr& conn, const std::string& req,
              protocol::PingFrame& f);
  void handle(const gateway::ConnectionPtr& conn, const std::string& req,
              protocol::ReceivedFrame& f);
  void handle(const gateway::ConnectionPtr& conn, const std::string& req,
              protocol::SyncFrame& f);
  void edit(const gateway::ConnectionPtr& conn, const std::string& req, store::EditMessage op);
  // send(), once the sender is known to be a member.
  void send_as_member(std::chrono::steady_clock::time_point arrived, const std::string& user_id,
                      protocol::SendFrame f, SendDone done);

  // Submits a write; refusals (draining, queue full) are answered at once.
  // Token expiry and refresh, connection and send limits
  // (chat_service_admission.cpp).
  void handle(const gateway::ConnectionPtr& conn, const std::string& req,
              protocol::RefreshFrame& f);
  void arm_expiry_timer();
  Status check_send_rate(const std::string& user_id, const std::string& conversation_id);

  void submit(store::WriteOp op, GroupCommitter::Callback done);
  void reply_error(const gateway::ConnectionPtr& conn, const std::string& req, const Error& e);

  void on_bus(const bus::Envelope& e);
  void fan_out(const bus::Envelope& e);
  void fan_out_to_members(const bus::Envelope& e, const MemberSet& members);
  void deliver_to_user(const bus::Envelope& e, const std::string& user);
  void schedule_reorder_release();
  // Membership of `conversation` changed for `user`: every gateway drops its
  // cached members, and the user's gateway redoes their subscription. A
  // join carries the conversation's last seq read before it (`seq_before`,
  // in the envelope's seq): the joiner's devices are caught up from there,
  // so a message committed between the join and their gateway subscribing
  // is not missed.
  void announce_members_changed(const std::string& conversation, const std::string& user,
                                bool existing = true, std::int64_t seq_before = 0);
  void on_members_changed(const std::string& conversation, const std::string& user,
                          std::int64_t seq_before);
  // Its members read: subscribes or unsubscribes the user's devices here.
  void resubscribe(const std::string& conversation, const std::string& user, bool member,
                   std::int64_t seq_before);
  // Cluster mode: a user's first device here has their conversations listed
  // on store_reads_ (a PostgreSQL read; on the event loop it would hold up
  // every connection of this gateway, and a connect storm is thousands),
  // then subscribed. The catch-ups of the user's devices wait for it.
  void list_and_subscribe(const std::string& user);
  void on_listed(const std::string& user, std::uint64_t listing,
                 Result<std::vector<std::string>> ids);
  void catch_up_when_subscribed(const gateway::ConnectionPtr& device);
  // A store read whose answer the event loop acts on: in cluster mode `read`
  // runs on a store-read thread and `done(answer)` on the event loop
  // afterwards, only while the service lives; both in order of the calls of
  // the same lane. Embedded mode (a local SQLite file) runs both at once.
  // Lanes of one thread each: a device's sync (the device waits for its
  // answer) is not queued behind a storm's listings, contacts and catch-ups,
  // the members a frame or a fan-out waits for (MembershipCache) are
  // queued behind neither, and nor are presence's Redis calls (behind a
  // storm's listings, "online" would be announced seconds late, in one
  // burst). A fifth lane, two threads and no order between its calls,
  // carries the REST calls, their membership writes included, and
  // run_request's work, so an API client waits behind none of them.
  enum class ReadLane { background, sync, members, presence, request };
  template <class Read, class Done>
  void read_off_loop(Read read, Done done, ReadLane lane = ReadLane::background) {
    if (!store_reads_) return done(read());
    auto& pool = lane == ReadLane::sync      ? *sync_reads_
                 : lane == ReadLane::members ? *member_reads_
                 : lane == ReadLane::presence ? *presence_calls_
                 : lane == ReadLane::request ? *request_calls_
                                             : *store_reads_;
    boost::asio::post(pool, [this, read = std::move(read), done = std::move(done),
                             alive = std::weak_ptr<int>(alive_)]() mutable {
      // The pool is joined before the service goes: `this` is valid here.
      boost::asio::post(ex_, [answer = read(), done = std::move(done), alive]() mutable {
        if (alive.lock()) done(std::move(answer));
      });
    });
  }
  // Sends the device what it lacks of messages (in order), through the
  // delivery tracker; false when the device is too far behind (overflow).
  bool replay(const gateway::ConnectionPtr& device, const std::string& conversation_id,
              const std::vector<store::Message>& messages, std::int64_t now);
  // conversation empty: every conversation the device holds a position in.
  void schedule_catch_up(const gateway::ConnectionPtr& device, const std::string& conversation,
                         std::int64_t from_seq);
  void run_catch_ups();
  // A catch-up's pages (conversation, messages), read off the loop, replayed
  // if the device is still here.
  using CaughtUp = std::vector<std::pair<std::string, std::vector<store::Message>>>;
  void replay_caught_up(const std::weak_ptr<gateway::Connection>& device, const CaughtUp& pages);
  void deliver(const gateway::ConnectionPtr& device, const bus::Envelope& e);
  // A live message frame to a device, through the delivery tracker; false
  // when the device was closed for being too slow.
  bool deliver_message(const gateway::ConnectionPtr& device, const std::string& conversation_id,
                       std::int64_t seq, const gateway::Frame& frame);
  // What a sync read for one conversation: the messages after what the device
  // holds, or, when more than max_replay, only the conversation's last seq.
  struct SyncPage {
    std::vector<store::Message> messages;
    bool too_far_behind = false;
    std::int64_t last_seq = 0;
  };
  // (conversation, the last seq the device holds): what a sync or a catch-up
  // reads after.
  using Positions = std::vector<std::pair<std::string, std::int64_t>>;
  // A sync, once the membership of each of its conversations is known
  // (verdicts in the order of `held`).
  void sync_members(const gateway::ConnectionPtr& conn, const std::string& req,
                    const Positions& held, const std::vector<Status>& verdicts);
  Result<std::vector<SyncPage>> read_sync(const Positions& todo);
  // On the loop once read: replays, sends `synced`, then what waited. A
  // conversation whose members are no longer cached (a membership change
  // during the read) has them read off the loop first; `rechecked` once
  // that is done.
  void finish_sync(const std::weak_ptr<gateway::Connection>& device, const std::string& req,
                   const Positions& todo, std::vector<std::string> not_member,
                   Result<std::vector<SyncPage>> pages, bool rechecked = false);
  // Ends the device's sync of each conversation and sends what waited.
  void end_syncs(const gateway::ConnectionPtr& device, const Positions& todo);
  void schedule_retransmits();
  void too_slow(const gateway::ConnectionPtr& device);
  void announce_presence(const std::string& user_id, bool online, std::int64_t last_seen);

  boost::asio::any_io_executor ex_;
  Backends b_;
  ServiceOptions options_;
  SessionRegistry sessions_;
  MembershipCache members_;
  std::int64_t last_unread_warning_ms_ = 0;  // fan_out: one warning a second
  PresenceOnce presence_once_;  // cluster mode: presence comes once per conversation
  TypingLimiter typing_;
  PresenceTracker presence_tracker_;
  DeliveryTracker delivery_;
  ConversationSubscriptions subscriptions_;
  ReorderBuffer reorder_;
  boost::asio::steady_timer retransmit_timer_;
  boost::asio::steady_timer reorder_timer_;
  bool reorder_timer_armed_ = false;
  struct CatchUp {
    std::weak_ptr<gateway::Connection> device;
    std::string conversation;
    std::int64_t from_seq = 0;
    std::int64_t due_ms = 0;
  };
  // Redis usually confirms a subscription within the first delay; under
  // load it may take longer, and a message published before that and
  // committed after the first catch-up read would wait for the next
  // message. The second catch-up closes that window.
  static constexpr std::chrono::milliseconds kCatchUpDelay{500};
  static constexpr std::chrono::milliseconds kCatchUpAgain{3000};
  void arm_catch_up_timer();
  // Two FIFO queues, each in due order because each uses one fixed delay:
  // run_catch_ups pops what is due from the fronts instead of scanning every
  // pending entry (a connect storm schedules one per connection).
  std::deque<CatchUp> catch_ups_first_;
  std::deque<CatchUp> catch_ups_again_;
  boost::asio::steady_timer catch_up_timer_;
  bool catch_up_armed_ = false;
  struct Listing {
    std::uint64_t id = 0;
    // A membership of the user changed while the read ran: its answer may
    // predate the change, so it is read again.
    bool stale = false;
    std::vector<std::weak_ptr<gateway::Connection>> waiting;  // their catch-ups
  };
  std::unordered_map<std::string, Listing> listings_;  // by user; in flight only
  // "user\nconversation" of joins whose members are being read (resubscribe).
  std::unordered_set<std::string> joining_;
  std::uint64_t last_listing_ = 0;
  RateLimiter user_sends_;
  RateLimiter conversation_sends_;
  auth::ExpirySchedule<gateway::ConnectionPtr> expiry_;  // token deadlines, one timer
  boost::asio::steady_timer expiry_timer_;
  std::int64_t expiry_armed_for_ = 0;  // the deadline (s) the timer waits for; 0: idle
  bool draining_ = false;
  // Last: joined first on destruction, before anything its reads answer to.
  // A read's answer reaches the event loop only while alive_ does.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  std::unique_ptr<boost::asio::thread_pool> store_reads_;  // cluster mode only
  std::unique_ptr<boost::asio::thread_pool> sync_reads_;   // cluster mode only
  std::unique_ptr<boost::asio::thread_pool> member_reads_;  // cluster mode only
  std::unique_ptr<boost::asio::thread_pool> presence_calls_;  // cluster mode only
  std::unique_ptr<boost::asio::thread_pool> request_calls_;  // cluster mode only
};

}  // namespace parley::service
