#include "push/sqlite/sqlite_device_registry.h"

#include <sqlite3.h>

namespace parley::push {
namespace {

using store::sqlite::Db;
using store::sqlite::Txn;

// Append-only, like the store's migrations: version n is kMigrations[n-1].
constexpr const char* kMigrations[] = {
    R"(CREATE TABLE devices (
         id TEXT PRIMARY KEY,
         user_id TEXT NOT NULL,
         platform TEXT NOT NULL,
         address TEXT NOT NULL,
         endpoint TEXT NOT NULL,
         token TEXT NOT NULL,
         p256dh TEXT NOT NULL,
         auth TEXT NOT NULL,
         created_at INTEGER NOT NULL,
         UNIQUE (platform, address));
       CREATE INDEX devices_by_user ON devices (user_id, created_at, id);
       CREATE TABLE mutes (
         user_id TEXT NOT NULL,
         conversation_id TEXT NOT NULL,
         PRIMARY KEY (user_id, conversation_id)) WITHOUT ROWID;)",
};

Status migrate(Db& db) {
  std::int64_t at = 0;
  {  // the statement is released (reset) before the migrations write
    auto version = db.prepare("PRAGMA user_version");
    if (!version) return version.error();
    if (version->step() != SQLITE_ROW) return make_error(Errc::internal, "push.db: no user_version");
    at = version->int64(0);
  }
  constexpr std::int64_t kLatest = std::size(kMigrations);
  if (at > kLatest) return make_error(Errc::internal, "push.db is newer than this binary");
  for (; at < kLatest; ++at) {
    auto txn = Txn::write(db);
    if (!txn) return txn.error();
    if (auto s = db.exec(kMigrations[at]); !s) return s;
    if (auto s = db.exec("PRAGMA user_version = " + std::to_string(at + 1)); !s) return s;
    if (auto s = txn->commit(); !s) return s;
  }
  return ok_status();
}

Device read_device(const store::sqlite::Stmt& s) {
  Device d;
  d.id = s.text(0);
  d.user_id = s.text(1);
  d.platform = parse_platform(s.text(2)).value_or(Platform::webpush);
  d.endpoint = s.text(3);
  d.token = s.text(4);
  d.p256dh = s.text(5);
  d.auth = s.text(6);
  d.created_at = s.int64(7);
  return d;
}

}  // namespace

Result<std::unique_ptr<SqliteDeviceRegistry>> SqliteDeviceRegistry::open(const std::string& path) {
  auto db = Db::open(path);
  if (!db) return db.error();
  for (const char* pragma : {"PRAGMA busy_timeout = 5000", "PRAGMA journal_mode = WAL",
                             "PRAGMA synchronous = FULL"}) {
    if (auto s = (*db)->exec(pragma); !s) return s.error();
  }
  if (auto s = migrate(**db); !s) return s.error();
  return std::unique_ptr<SqliteDeviceRegistry>(new SqliteDeviceRegistry(std::move(*db)));
}

Result<Device> SqliteDeviceRegistry::add(const Device& d) {
  std::lock_guard lock(mu_);
  auto txn = Txn::write(*db_);
  if (!txn) return txn.error();
  std::string platform(platform_name(d.platform));
  Device stored = d;
  std::string owner;
  {
    auto find = db_->prepare(
        "SELECT id, user_id, created_at FROM devices WHERE platform = ?1 AND address = ?2");
    if (!find) return find.error();
    find->bind(1, platform).bind(2, d.address());
    int rc = find->step();
    if (rc == SQLITE_ROW) {
      owner = find->text(1);
      if (owner == d.user_id) {
        stored.id = find->text(0);
        stored.created_at = find->int64(2);
      }
    } else if (rc != SQLITE_DONE) {
      return db_->error(rc, "find device");
    }
  }
  Status s = ok_status();
  if (!owner.empty() && owner == d.user_id) {
    s = db_->run(
        "UPDATE devices SET endpoint = ?2, token = ?3, p256dh = ?4, auth = ?5 WHERE id = ?1",
        stored.id, d.endpoint, d.token, d.p256dh, d.auth);
  } else {
    if (!owner.empty())
      s = db_->run("DELETE FROM devices WHERE platform = ?1 AND address = ?2", platform,
                   d.address());
    if (s)
      s = db_->run(
          "INSERT INTO devices (id, user_id, platform, address, endpoint, token, p256dh, auth, "
          "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
          d.id, d.user_id, platform, d.address(), d.endpoint, d.token, d.p256dh, d.auth,
          d.created_at);
  }
  if (!s) return s.error();
  if (auto c = txn->commit(); !c) return c.error();
  return stored;
}

Result<std::vector<Device>> SqliteDeviceRegistry::list(std::string_view user_id) {
  std::lock_guard lock(mu_);
  auto q = db_->prepare(
      "SELECT id, user_id, platform, endpoint, token, p256dh, auth, created_at FROM devices "
      "WHERE user_id = ?1 ORDER BY created_at, id");
  if (!q) return q.error();
  q->bind(1, user_id);
  std::vector<Device> out;
  int rc;
  while ((rc = q->step()) == SQLITE_ROW) out.push_back(read_device(*q));
  if (rc != SQLITE_DONE) return db_->error(rc, "list devices");
  return out;
}

Status SqliteDeviceRegistry::remove(std::string_view user_id, std::string_view device_id) {
  std::lock_guard lock(mu_);
  auto q = db_->prepare("DELETE FROM devices WHERE id = ?1 AND user_id = ?2 RETURNING id");
  if (!q) return q.error();
  q->bind(1, device_id).bind(2, user_id);
  int rc = q->step();
  if (rc == SQLITE_DONE) return make_error(Errc::not_found, "no such device");
  if (rc != SQLITE_ROW) return db_->error(rc, "remove device");
  return ok_status();
}

Status SqliteDeviceRegistry::remove_gone(std::string_view device_id) {
  std::lock_guard lock(mu_);
  return db_->run("DELETE FROM devices WHERE id = ?1", device_id);
}

Status SqliteDeviceRegistry::set_muted(std::string_view user_id,
                                       std::string_view conversation_id, bool muted) {
  std::lock_guard lock(mu_);
  if (muted)
    return db_->run("INSERT OR IGNORE INTO mutes (user_id, conversation_id) VALUES (?1, ?2)",
                    user_id, conversation_id);
  return db_->run("DELETE FROM mutes WHERE user_id = ?1 AND conversation_id = ?2", user_id,
                  conversation_id);
}

Result<bool> SqliteDeviceRegistry::muted(std::string_view user_id,
                                         std::string_view conversation_id) {
  std::lock_guard lock(mu_);
  auto q = db_->prepare("SELECT 1 FROM mutes WHERE user_id = ?1 AND conversation_id = ?2");
  if (!q) return q.error();
  q->bind(1, user_id).bind(2, conversation_id);
  int rc = q->step();
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->error(rc, "read mute");
}

}  // namespace parley::push
