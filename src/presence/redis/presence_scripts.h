#pragma once
// Lua for the two transitions that must read and write atomically: whether
// the user was (or is now) offline everywhere depends on the set as it is
// when this gateway's change lands, not on a read made before it.
//
// pp:<user>: sorted set of gateway ids scored by expiry (ms since epoch).
// pl:<user>: last_seen (ms).

namespace parley::presence::scripts {

// KEYS: pp, pl. ARGV: now, expiry, gateway, key_ttl_ms. Returns 1 when no
// gateway had the user before.
inline constexpr const char* kSetOnline = R"lua(
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local before = redis.call('ZCARD', KEYS[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('SET', KEYS[2], ARGV[1])
if before == 0 then return 1 else return 0 end
)lua";

// KEYS: pp, pl. ARGV: now, gateway. Returns 1 when no gateway has the user
// any more.
inline constexpr const char* kSetOffline = R"lua(
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('SET', KEYS[2], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then return 1 else return 0 end
)lua";

}  // namespace parley::presence::scripts
