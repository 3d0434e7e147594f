--[[
  claimNotification: claim one notification by its idempotency key before it is sent, so a page
  is sent once across retries, restarts and replicas. A record still "planned" whose claim is older
  than the lease belonged to a claimer that died before sending: it may be claimed again, so the
  page is never lost.

  KEYS[1] notifications hash of the incident (notification id -> record JSON)
  KEYS[2] incident hash (its expiry, once resolved, is copied onto the notifications hash)
  ARGV[1] notification id (idempotency key)
  ARGV[2] record JSON (status "planned", claimedBy, claimedAtMs …)
  ARGV[3] now (epoch ms)
  ARGV[4] lease (ms)
  ARGV[5] claimer (owner id written into claimedBy)
  Returns: { outcome, record JSON } with outcome one of
    owned     — new record written; the caller sends
    reclaimed — a stale planned record taken over; the caller sends
    exists    — someone else has it (sent, failed, cancelled, or planned within its lease)
]]
local nt, inc = KEYS[1], KEYS[2]
local id, record, now, lease, owner = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local raw = redis.call('HGET', nt, id)
if not raw then
  redis.call('HSET', nt, id, record)
  local ttl = redis.call('PTTL', inc)
  if ttl > 0 then redis.call('PEXPIRE', nt, ttl) end
  return { 'owned', record }
end
local r = cjson.decode(raw)
if r.status == 'planned' and (tonumber(r.claimedAtMs) or 0) + lease <= now then
  r.claimedBy = owner
  r.claimedAtMs = now
  r.reclaims = (tonumber(r.reclaims) or 0) + 1
  local out = cjson.encode(r)
  redis.call('HSET', nt, id, out)
  return { 'reclaimed', out }
end
return { 'exists', raw }
