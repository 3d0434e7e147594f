--[[
  transitionIncident: acknowledge or resolve an incident, by a person or a process.

  KEYS[1] open zset   (id -> openedAt)
  KEYS[2] due zset    (id -> when the escalation engine looks again)
  ARGV[1] incident key base ("<prefix>{ns}:inc:")
  ARGV[2] id
  ARGV[3] action: acknowledge | resolve
  ARGV[4] by (who: a person id, "api:<name>", "source:<source>")
  ARGV[5] via (api | sms | voice | email | source …)
  ARGV[6] now (epoch ms)
  ARGV[7] retention of a resolved incident (ms)
  ARGV[8] note (may be "")
  Returns: { result, state } with result one of
    changed | unchanged (already in that state or further) | missing
]]
local openZ, dueZ = KEYS[1], KEYS[2]
local base, id, action, by, via = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local now, retention, note = tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8]
local incKey = base .. id
local state = redis.call('HGET', incKey, 'state')
if not state then return { 'missing', '' } end

--@include iso-time
local nowIso = iso(now)
local entry = { at = nowIso, by = by, via = via }
if note ~= '' then entry.note = note end

if action == 'acknowledge' then
  if state ~= 'open' then return { 'unchanged', state } end
  redis.call('HSET', incKey, 'state', 'acknowledged', 'acknowledgedAt', nowIso, 'acknowledgedAtMs', now, 'acknowledgedBy', by)
  redis.call('ZADD', dueZ, now, id)
  entry.type = 'acknowledged'
  redis.call('RPUSH', incKey .. ':tl', cjson.encode(entry))
  return { 'changed', 'acknowledged' }
end

if action == 'resolve' then
  if state == 'resolved' then return { 'unchanged', state } end
  redis.call('HSET', incKey, 'state', 'resolved', 'resolvedAt', nowIso, 'resolvedAtMs', now, 'resolvedBy', by)
  redis.call('ZREM', openZ, id)
  redis.call('ZADD', dueZ, now, id)
  entry.type = 'resolved'
  redis.call('RPUSH', incKey .. ':tl', cjson.encode(entry))
  for _, suffix in ipairs({ '', ':m', ':md', ':tl', ':nt', ':calm' }) do
    redis.call('PEXPIRE', incKey .. suffix, retention)
  end
  return { 'changed', 'resolved' }
end

return redis.error_reply('unknown action ' .. action)
