#include "eventlog/jetstream/jetstream_event_log.h"

#include <vector>

#include "common/log.h"
#include "eventlog/event_codec.h"
#include "eventlog/jetstream/jetstream_consumer.h"
#include "eventlog/jetstream/partition.h"

namespace parley::eventlog {

namespace {

std::shared_ptr<spdlog::logger> logger() {
  static auto log = component_logger("jetstream");
  return log;
}

std::int64_t nanos(std::chrono::milliseconds d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

// Given, so that connect returns at once when NATS is down and keeps trying
// in the background (without it, connect blocks until it succeeds).
void on_connected(natsConnection*, void*) { logger()->info("connected to NATS"); }
void on_disconnected(natsConnection*, void*) { logger()->warn("disconnected from NATS"); }
void on_reconnected(natsConnection*, void*) { logger()->info("reconnected to NATS"); }

}  // namespace

Result<std::unique_ptr<JetStreamEventLog>> JetStreamEventLog::open(const std::string& url,
                                                                   JetStreamOptions options) {
  if (options.partitions == 0 || options.subject_prefix.empty() || options.stream.empty()) {
    return make_error(Errc::internal, "jetstream: stream, subject prefix and partitions are needed");
  }
  natsOptions* raw = nullptr;
  if (auto s = natsOptions_Create(&raw); s != NATS_OK) return nats::failure("options", s);
  nats::Options opts(raw);
  natsStatus s = natsOptions_SetURL(raw, url.c_str());
  if (s == NATS_OK) s = natsOptions_SetName(raw, "parley");
  if (s == NATS_OK) s = natsOptions_SetTimeout(raw, options.connect_timeout.count());
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(raw, -1);  // forever
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(raw, options.reconnect_wait.count());
  if (s == NATS_OK) s = natsOptions_SetRetryOnFailedConnect(raw, true, on_connected, nullptr);
  if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(raw, on_disconnected, nullptr);
  if (s == NATS_OK) s = natsOptions_SetReconnectedCB(raw, on_reconnected, nullptr);
  auto closed = std::make_shared<nats::CloseSignal>();
  if (s == NATS_OK) s = natsOptions_SetClosedCB(raw, nats::CloseSignal::on_closed, closed.get());
  if (s != NATS_OK) {
    return make_error(Errc::internal, std::string("jetstream: bad options for ") + url + ": " +
                                          natsStatus_GetText(s));
  }
  natsConnection* conn = nullptr;
  s = natsConnection_Connect(&conn, raw);
  if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
    return make_error(Errc::internal,
                      std::string("jetstream: cannot connect to ") + url + ": " + natsStatus_GetText(s));
  }
  nats::Connection connection(conn, nats::ConnectionCloser{std::move(closed)});
  jsOptions js_opts;
  jsOptions_Init(&js_opts);
  js_opts.Wait = options.publish_timeout.count();
  jsCtx* js = nullptr;
  if (s = natsConnection_JetStream(&js, conn, &js_opts); s != NATS_OK) {
    return nats::failure("jetstream context", s);
  }
  std::unique_ptr<JetStreamEventLog> log(
      new JetStreamEventLog(std::move(connection), nats::JsContext(js), std::move(options)));
  if (auto ready = log->ensure_stream(); !ready) {
    logger()->warn("stream not ready yet ({}); will retry on use", ready.error().message);
  }
  return log;
}

JetStreamEventLog::JetStreamEventLog(nats::Connection conn, nats::JsContext js,
                                     JetStreamOptions options)
    : options_(std::move(options)), conn_(std::move(conn)), js_(std::move(js)) {}

// The context goes before the connection it was made from.
JetStreamEventLog::~JetStreamEventLog() { js_.reset(); }

bool JetStreamEventLog::healthy() const {
  return natsConnection_Status(conn_.get()) == NATS_CONN_STATUS_CONNECTED;
}

std::string JetStreamEventLog::subject_of(const Event& e) const {
  return options_.subject_prefix + "." +
         std::to_string(partition_of(e.conversation_id, options_.partitions));
}

Status JetStreamEventLog::ensure_stream() {
  std::lock_guard lock(stream_mu_);
  if (stream_ready_) return ok_status();
  if (!healthy()) return make_error(Errc::unavailable, "nats: not connected");
  const std::string subjects = options_.subject_prefix + ".*";
  const char* subject_list[] = {subjects.c_str()};
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = options_.stream.c_str();
  cfg.Subjects = subject_list;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  cfg.Retention = js_LimitsPolicy;
  cfg.Replicas = options_.replicas;
  cfg.Duplicates = nanos(options_.duplicate_window);
  cfg.MaxAge = nanos(options_.max_age);
  jsStreamInfo* info = nullptr;
  jsErrCode err = static_cast<jsErrCode>(0);
  natsStatus s = js_AddStream(&info, js_.get(), &cfg, nullptr, &err);
  if (s != NATS_OK && err == JSStreamNameExistErr) {
    // It exists with another config (an older build, other partitions):
    // bring it to ours.
    s = js_UpdateStream(&info, js_.get(), &cfg, nullptr, &err);
  }
  if (info) jsStreamInfo_Destroy(info);
  if (s != NATS_OK) return nats::failure("create stream " + options_.stream, s, err);
  stream_ready_ = true;
  return ok_status();
}

Status JetStreamEventLog::delete_stream() {
  std::lock_guard lock(stream_mu_);
  jsErrCode err = static_cast<jsErrCode>(0);
  natsStatus s = js_DeleteStream(js_.get(), options_.stream.c_str(), nullptr, &err);
  stream_ready_ = false;
  if (s != NATS_OK && err != JSStreamNotFoundErr) return nats::failure("delete stream", s, err);
  return ok_status();
}

void JetStreamEventLog::flush() { (void)natsConnection_FlushTimeout(conn_.get(), 2000); }

Status JetStreamEventLog::publish(const std::vector<Event>& events) {
  if (events.empty()) return ok_status();
  if (auto s = ensure_stream(); !s) return s;
  std::lock_guard lock(publish_mu_);
  // Not connected: fail now rather than queue into the reconnect buffer and
  // time out (the relay keeps the rows and retries).
  if (!healthy()) return make_error(Errc::unavailable, "nats: not connected");
  for (const Event& e : events) {
    const std::string data = encode_event(e);
    const std::string subject = subject_of(e);
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = e.id.c_str();
    po.MaxWait = options_.publish_timeout.count();
    jsPubAck* ack = nullptr;
    jsErrCode err = static_cast<jsErrCode>(0);
    natsStatus s = js_Publish(&ack, js_.get(), subject.c_str(), data.data(),
                              static_cast<int>(data.size()), &po, &err);
    if (ack) jsPubAck_Destroy(ack);
    if (s != NATS_OK) {
      // The stream may have been deleted or NATS restarted without its
      // storage: create it again on the next try.
      if (err == JSStreamNotFoundErr || s == NATS_NO_RESPONDERS) stream_ready_ = false;
      return nats::failure("publish", s, err);
    }
  }
  return ok_status();
}

Result<std::unique_ptr<Consumer>> JetStreamEventLog::consume(const std::string& name,
                                                             Handler handler, Flush flush) {
  // Durable names may not hold '.', '*', '>' or spaces (JetStream rules).
  if (name.empty() || name.find_first_of(".*> \t") != std::string::npos) {
    return make_error(Errc::bad_request, "consumer name must be non-empty without . * > or spaces");
  }
  return std::unique_ptr<Consumer>(std::make_unique<JetStreamConsumer>(
      *this, js_.get(), name, std::move(handler), std::move(flush)));
}

}  // namespace parley::eventlog
