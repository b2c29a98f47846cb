#include "push/postgres/pg_device_registry.h"

namespace parley::push {
namespace {

using store::pg::Params;
using store::pg::Statement;
using enum store::pg::Type;

// Several gateways may start at once: the advisory lock makes "create when
// missing" one at a time (IF NOT EXISTS alone races on the catalog).
constexpr const char* kSchema = R"sql(
BEGIN;
SELECT pg_advisory_xact_lock(hashtext('parley_push_schema'));
CREATE TABLE IF NOT EXISTS push_devices (
  id         text COLLATE "C" PRIMARY KEY,
  user_id    text COLLATE "C" NOT NULL,
  platform   text NOT NULL,
  address    text NOT NULL,
  endpoint   text NOT NULL,
  token      text NOT NULL,
  p256dh     text NOT NULL,
  auth       text NOT NULL,
  created_at bigint NOT NULL,
  UNIQUE (platform, address)
);
CREATE INDEX IF NOT EXISTS push_devices_by_user ON push_devices (user_id, created_at, id);
CREATE TABLE IF NOT EXISTS push_mutes (
  user_id         text COLLATE "C" NOT NULL,
  conversation_id text COLLATE "C" NOT NULL,
  PRIMARY KEY (user_id, conversation_id)
);
COMMIT;
)sql";

// One statement, so two gateways registering the same address at once
// cannot both insert: the same user keeps the device's id and age, another
// user takes the address over under the new id.
const Statement kAdd{
    "parley_push_add",
    "INSERT INTO push_devices AS d (id, user_id, platform, address, endpoint, token, p256dh, "
    "auth, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
    "ON CONFLICT (platform, address) DO UPDATE SET "
    "id = CASE WHEN d.user_id = EXCLUDED.user_id THEN d.id ELSE EXCLUDED.id END, "
    "created_at = CASE WHEN d.user_id = EXCLUDED.user_id THEN d.created_at "
    "ELSE EXCLUDED.created_at END, "
    "user_id = EXCLUDED.user_id, endpoint = EXCLUDED.endpoint, token = EXCLUDED.token, "
    "p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth RETURNING id, created_at",
    {text, text, text, text, text, text, text, text, int8}};

const Statement kList{
    "parley_push_list",
    "SELECT id, user_id, platform, endpoint, token, p256dh, auth, created_at FROM push_devices "
    "WHERE user_id = $1 ORDER BY created_at, id",
    {text},
    true};

const Statement kRemove{"parley_push_remove",
                        "DELETE FROM push_devices WHERE id = $1 AND user_id = $2 RETURNING id",
                        {text, text}};

const Statement kRemoveGone{
    "parley_push_remove_gone", "DELETE FROM push_devices WHERE id = $1", {text}, true};

const Statement kMute{"parley_push_mute",
                      "INSERT INTO push_mutes (user_id, conversation_id) VALUES ($1, $2) "
                      "ON CONFLICT DO NOTHING",
                      {text, text},
                      true};

const Statement kUnmute{"parley_push_unmute",
                        "DELETE FROM push_mutes WHERE user_id = $1 AND conversation_id = $2",
                        {text, text},
                        true};

const Statement kMuted{"parley_push_muted",
                       "SELECT 1 FROM push_mutes WHERE user_id = $1 AND conversation_id = $2",
                       {text, text},
                       true};

}  // namespace

Result<std::unique_ptr<PgDeviceRegistry>> PgDeviceRegistry::open(const std::string& url) {
  auto conn = store::pg::Conn::connect(url, "");
  if (!conn) return conn.error();
  if (auto s = (*conn)->exec(kSchema); !s) return s.error();
  return std::unique_ptr<PgDeviceRegistry>(new PgDeviceRegistry(std::move(*conn)));
}

Result<Device> PgDeviceRegistry::add(const Device& d) {
  std::string platform(platform_name(d.platform));
  Params p;
  p.text(d.id).text(d.user_id).text(platform).text(d.address()).text(d.endpoint).text(d.token);
  p.text(d.p256dh).text(d.auth).int64(d.created_at);
  std::lock_guard lock(mu_);
  auto rows = conn_->query(kAdd, p);
  if (!rows) return rows.error();
  if (rows->count() != 1) return make_error(Errc::internal, "push device upsert returned no row");
  Device stored = d;
  stored.id = rows->text(0, 0);
  stored.created_at = rows->int64(0, 1);
  return stored;
}

Result<std::vector<Device>> PgDeviceRegistry::list(std::string_view user_id) {
  Params p;
  p.key(user_id);
  std::lock_guard lock(mu_);
  auto rows = conn_->query(kList, p);
  if (!rows) return rows.error();
  std::vector<Device> out;
  for (int r = 0; r < rows->count(); ++r) {
    Device d;
    d.id = rows->text(r, 0);
    d.user_id = rows->text(r, 1);
    d.platform = parse_platform(rows->text(r, 2)).value_or(Platform::webpush);
    d.endpoint = rows->text(r, 3);
    d.token = rows->text(r, 4);
    d.p256dh = rows->text(r, 5);
    d.auth = rows->text(r, 6);
    d.created_at = rows->int64(r, 7);
    out.push_back(std::move(d));
  }
  return out;
}

Status PgDeviceRegistry::remove(std::string_view user_id, std::string_view device_id) {
  Params p;
  p.key(device_id).key(user_id);
  std::lock_guard lock(mu_);
  auto rows = conn_->query(kRemove, p);
  if (!rows) return rows.error();
  if (rows->count() == 0) return make_error(Errc::not_found, "no such device");
  return ok_status();
}

Status PgDeviceRegistry::remove_gone(std::string_view device_id) {
  Params p;
  p.key(device_id);
  std::lock_guard lock(mu_);
  auto rows = conn_->query(kRemoveGone, p);
  if (!rows) return rows.error();
  return ok_status();
}

Status PgDeviceRegistry::set_muted(std::string_view user_id, std::string_view conversation_id,
                                   bool muted) {
  Params p;
  p.key(user_id).key(conversation_id);
  std::lock_guard lock(mu_);
  auto rows = conn_->query(muted ? kMute : kUnmute, p);
  if (!rows) return rows.error();
  return ok_status();
}

Result<bool> PgDeviceRegistry::muted(std::string_view user_id, std::string_view conversation_id) {
  Params p;
  p.key(user_id).key(conversation_id);
  std::lock_guard lock(mu_);
  auto rows = conn_->query(kMuted, p);
  if (!rows) return rows.error();
  return rows->count() > 0;
}

}  // namespace parley::push
