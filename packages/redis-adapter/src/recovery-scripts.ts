/**
 * The Lua scripts of the recovery log over Redis Streams (redis-adapter layer; used by
 * `redis-recovery-log.ts`). As in Centrifugo, the history entry, its offset, the epoch and the publish
 * are written by one script, so every node receives the log's entries in log order and a lost log (Redis
 * restarted empty, keys deleted) starts a new epoch instead of reusing offsets.
 *
 * Keys (one hash slot per namespace: `{<nsp>}`): `KEYS[1]` the stream (field `p`: the encoded entry),
 * `KEYS[2]` a hash with `epoch` and `last` (the id of the newest entry). Needs Redis ≥ 7.0 (XINFO's
 * `max-deleted-entry-id`, `XTRIM MINID`).
 */
import { createHash } from "node:crypto";

/** The epoch of the log, creating the log with a new epoch (`ARGV[1]`) when the stream or its hash is gone. */
const ensureEpoch = `
local epoch = redis.call('HGET', KEYS[2], 'epoch')
local last = redis.call('HGET', KEYS[2], 'last')
local fresh = redis.call('EXISTS', KEYS[1]) == 0 or not epoch or not last
`;

/** The highest id trimmed from the stream (`0-0` when none). */
const maxDeleted = `
local function maxDeleted()
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  for i = 1, #info, 2 do
    if info[i] == 'max-deleted-entry-id' then return info[i + 1] end
  end
  return '0-0'
end
`;

/**
 * Appends `ARGV[1]` (MAXLEN ~ `ARGV[2]`; unless `ARGV[3]` is 0, entries older than `ARGV[3]` ms trimmed), then publishes
 * `<epoch> <previous id> <id> <entry>` with `ARGV[6]` (PUBLISH or SPUBLISH) on `ARGV[5]`. `ARGV[4]`: a new
 * epoch, used when the log is created. Returns the id.
 */
export const APPEND_SCRIPT = `${ensureEpoch}
local prev = last
if fresh then
  epoch = ARGV[4]
  prev = ''
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'p', ARGV[1])
redis.call('HSET', KEYS[2], 'epoch', epoch, 'last', id)
if ARGV[3] ~= '0' then
  local t = redis.call('TIME')
  local min = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[3])
  if min > 0 then redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%d', min)) end
end
redis.call(ARGV[6], ARGV[5], epoch .. ' ' .. prev .. ' ' .. id .. ' ' .. ARGV[1])
return id
`;

/**
 * `{epoch, last, maxDeleted}`; creates the log (an empty stream whose only entry was trimmed at once, so
 * `last` names a real position) with epoch `ARGV[1]` when it is missing.
 */
export const STATE_SCRIPT = `${ensureEpoch}${maxDeleted}
if fresh then
  epoch = ARGV[1]
  last = redis.call('XADD', KEYS[1], '*', 'p', '')
  redis.call('XTRIM', KEYS[1], 'MAXLEN', '0')
  redis.call('HSET', KEYS[2], 'epoch', epoch, 'last', last)
end
return {epoch, last, maxDeleted()}
`;

/** `{epoch, last, maxDeleted, entries}` with up to `ARGV[2]` entries after `ARGV[1]`; nil when the log is missing. */
export const READ_SCRIPT = `${ensureEpoch}${maxDeleted}
if fresh then return false end
local entries = redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])
return {epoch, last, maxDeleted(), entries}
`;

/** SHA1 of a script, for EVALSHA. */
export function scriptSha(script: string): string {
  return createHash("sha1").update(script).digest("hex");
}
