/**
 * Lua scripts of the Redis state store. Each runs atomically in Redis, which is what makes the
 * claim of a due group, the write-ahead of a notification and its log entry safe between
 * replicas. Keys are built from the prefix in ARGV[1] (single Redis, not Cluster).
 *
 * Layout under prefix P: P:alerts (hash fp -> alert JSON), P:alertu (hash fp -> updatedAt),
 * P:due (zset groupKey -> next flush ms), P:g:<gk> (hash meta, flushed), P:gm:<gk> (set of fps),
 * P:lease:<gk> (token, PX), P:pend:<gk> (hash integration -> pending JSON),
 * P:nflog:<gk> (hash integration -> {entry, expiresAt}; the key expires with its longest-lived
 * entry), P:sil (hash), P:fail (list).
 */

/** ARGV: prefix, then triples (fp, expected old JSON or '', new JSON, new updatedAt). Returns 1/0 per alert. */
export const CAS_ALERTS = `
local p = ARGV[1]
local out = {}
for i = 2, #ARGV, 4 do
  local cur = redis.call('HGET', p .. 'alerts', ARGV[i]) or ''
  if cur == ARGV[i + 1] then
    redis.call('HSET', p .. 'alerts', ARGV[i], ARGV[i + 2])
    redis.call('HSET', p .. 'alertu', ARGV[i], ARGV[i + 3])
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
`;

/** ARGV: prefix, then pairs (fp, updatedAt): delete the alert only if unchanged. Returns the count. */
export const DELETE_UNCHANGED_ALERTS = `
local p = ARGV[1]
local n = 0
for i = 2, #ARGV, 2 do
  if redis.call('HGET', p .. 'alertu', ARGV[i]) == ARGV[i + 1] then
    redis.call('HDEL', p .. 'alerts', ARGV[i])
    redis.call('HDEL', p .. 'alertu', ARGV[i])
    n = n + 1
  end
end
return n
`;

/**
 * ARGV: prefix, now, then quintuples (groupKey, meta JSON, fp, startsAt, groupWait). A new group
 * is due after group_wait (at once if the alert is older than that); an existing group that has
 * not flushed yet is pulled forward for such an old alert, as aggrGroup.insert does.
 */
export const INSERT_INTO_GROUPS = `
local p = ARGV[1]
local now = tonumber(ARGV[2])
for i = 3, #ARGV, 5 do
  local gk = ARGV[i]
  local g = p .. 'g:' .. gk
  local overdue = tonumber(ARGV[i + 3]) + tonumber(ARGV[i + 4]) < now
  if redis.call('HSETNX', g, 'meta', ARGV[i + 1]) == 1 then
    redis.call('HSET', g, 'flushed', '0')
    local due = now + tonumber(ARGV[i + 4])
    if overdue then due = now end
    redis.call('ZADD', p .. 'due', due, gk)
  elseif overdue and redis.call('HGET', g, 'flushed') == '0' then
    redis.call('ZADD', p .. 'due', 'LT', now, gk)
  end
  redis.call('SADD', p .. 'gm:' .. gk, ARGV[i + 2])
end
return 1
`;

/**
 * ARGV: prefix, now, token base, leaseMs, limit. Claims due groups whose lease is free: takes
 * the lease (SET NX PX), pushes the due time to the lease end (so the group comes back if the
 * holder dies) and marks the group flushed. Returns per group
 * {groupKey, token, dueAt, flushedBefore, meta, members, pending, member alerts ('' when gone),
 * notification log (flat hash)}.
 */
export const CLAIM_DUE = `
local p = ARGV[1]
local now = tonumber(ARGV[2])
local lease = tonumber(ARGV[4])
local due = redis.call('ZRANGEBYSCORE', p .. 'due', '-inf', now, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[5]) * 2)
local out = {}
for i = 1, #due, 2 do
  if #out >= tonumber(ARGV[5]) then break end
  local gk = due[i]
  local g = p .. 'g:' .. gk
  local token = ARGV[3] .. ':' .. i
  local meta = redis.call('HGET', g, 'meta')
  if not meta then
    redis.call('ZREM', p .. 'due', gk)
  elseif redis.call('SET', p .. 'lease:' .. gk, token, 'NX', 'PX', lease) then
    redis.call('ZADD', p .. 'due', now + lease, gk)
    local flushed = redis.call('HGET', g, 'flushed') or '0'
    redis.call('HSET', g, 'flushed', '1')
    local members = redis.call('SMEMBERS', p .. 'gm:' .. gk)
    local alerts = {}
    -- HMGET in chunks: unpack() is bounded by Lua's C stack.
    for j = 1, #members, 1000 do
      local got = redis.call('HMGET', p .. 'alerts', unpack(members, j, math.min(j + 999, #members)))
      for x = 1, #got do alerts[#alerts + 1] = got[x] or '' end
    end
    out[#out + 1] = {gk, token, due[i + 1], flushed, meta, members, redis.call('HVALS', p .. 'pend:' .. gk), alerts, redis.call('HGETALL', p .. 'nflog:' .. gk)}
  end
end
return out
`;

/** ARGV: prefix, groupKey, token, now, leaseMs. */
export const RENEW = `
local p = ARGV[1]
local k = p .. 'lease:' .. ARGV[2]
if redis.call('GET', k) ~= ARGV[3] then return 0 end
redis.call('PEXPIRE', k, tonumber(ARGV[5]))
redis.call('ZADD', p .. 'due', 'XX', tonumber(ARGV[4]) + tonumber(ARGV[5]), ARGV[2])
return 1
`;

/** ARGV: prefix, groupKey, token, integration, pending JSON. */
export const WRITE_PENDING = `
local p = ARGV[1]
if redis.call('GET', p .. 'lease:' .. ARGV[2]) ~= ARGV[3] then return 0 end
redis.call('HSET', p .. 'pend:' .. ARGV[2], ARGV[4], ARGV[5])
return 1
`;

/** Write one log entry (ARGV offset o: groupKey, integration, JSON, retainMs); the key lives as long as its longest entry. */
const PUT_LOG = `
local function putlog(p, gk, integration, json, retain)
  local k = p .. 'nflog:' .. gk
  redis.call('HSET', k, integration, json)
  if redis.call('PTTL', k) < retain then redis.call('PEXPIRE', k, retain) end
end
`;

/** ARGV: prefix, groupKey, integration, log JSON, retainMs. */
export const PUT_LOG_SCRIPT = `${PUT_LOG}
putlog(ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]))
return 1
`;

/** ARGV: prefix, groupKey, token, integration, log JSON or '', retainMs. Log entry and pending removal in one step. */
export const RESOLVE_PENDING = `${PUT_LOG}
local p = ARGV[1]
if redis.call('GET', p .. 'lease:' .. ARGV[2]) ~= ARGV[3] then return 0 end
if ARGV[5] ~= '' then putlog(p, ARGV[2], ARGV[4], ARGV[5], tonumber(ARGV[6])) end
redis.call('HDEL', p .. 'pend:' .. ARGV[2], ARGV[4])
return 1
`;

/**
 * ARGV: prefix, groupKey, token, nextFlushAt, then pairs (fp, updatedAt). Removes resolved alerts
 * that did not change since the flush read them (DeleteIfNotModified), then reschedules the
 * group, or deletes it when nothing is left, and releases the lease.
 */
export const FINISH_FLUSH = `
local p = ARGV[1]
local gk = ARGV[2]
if redis.call('GET', p .. 'lease:' .. gk) ~= ARGV[3] then return 0 end
local gm = p .. 'gm:' .. gk
for i = 5, #ARGV, 2 do
  local u = redis.call('HGET', p .. 'alertu', ARGV[i])
  if (not u) or u == ARGV[i + 1] then redis.call('SREM', gm, ARGV[i]) end
end
if redis.call('SCARD', gm) == 0 and redis.call('HLEN', p .. 'pend:' .. gk) == 0 then
  redis.call('DEL', p .. 'g:' .. gk, gm)
  redis.call('ZREM', p .. 'due', gk)
else
  redis.call('ZADD', p .. 'due', tonumber(ARGV[4]), gk)
end
redis.call('DEL', p .. 'lease:' .. gk)
return 1
`;
