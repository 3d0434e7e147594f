--[[
  claimNotification: claim one notification by its idempotency key before it is sent, so a page
  is sent once across retries, restarts and replicas. A record still "planned" whose claim is older
  than the lease belonged to a claimer that died before sending: it may be claimed again, so the
  page is never lost. The page's reply code is reserved in the same step: a claimer that sends holds
  a code that points at this notification and at no other.

  KEYS[1] notifications hash of the incident (notification id -> record JSON)
  KEYS[2] incident hash (its expiry, once resolved, is copied onto the notifications hash)
  KEYS[3] the reply code's key (code -> what it points at), when a code is offered
  ARGV[1] notification id (idempotency key)
  ARGV[2] record JSON (status "planned", claimedBy, claimedAtMs, code …)
  ARGV[3] now (epoch ms)
  ARGV[4] lease (ms)
  ARGV[5] claimer (owner id written into claimedBy)
  ARGV[6] reply code offered, or "" for none
  ARGV[7] what the code points at (JSON)
  ARGV[8] how long the code lives (ms)
  Returns: { outcome, record JSON } with outcome one of
    owned      — new record written (with the offered code); the caller sends
    reclaimed  — a stale planned record taken over (it keeps its code, or gets the offered one); the caller sends.
                 A third element names the claimer it was taken from, a fourth when that claim was
                 taken (its claimedAtMs: a throttle's hold sets it so that the claim lapses when the
                 page may go)
    exists     — someone else has it (sent, failed, cancelled, or planned within its lease)
    code_taken — the offered code belongs to another notification; nothing written: offer another
    gone       — the incident no longer exists (expired after its retention); nothing written
]]
local nt, inc, codeKey = KEYS[1], KEYS[2], KEYS[3]
local id, record, now, lease, owner = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local code, ref, codeTtl = ARGV[6], ARGV[7], tonumber(ARGV[8])

local function reserve()
  if code == '' then return true end
  return redis.call('SET', codeKey, ref, 'PX', codeTtl, 'NX') ~= false
end

local raw = redis.call('HGET', nt, id)
if not raw then
  -- a record for an incident that is gone would outlive it (nothing would ever expire it)
  if redis.call('EXISTS', inc) == 0 then return { 'gone', '' } end
  if not reserve() then return { 'code_taken', '' } end
  redis.call('HSET', nt, id, record)
  local ttl = redis.call('PTTL', inc)
  if ttl > 0 then redis.call('PEXPIRE', nt, ttl) end
  return { 'owned', record }
end
local r = cjson.decode(raw)
if r.status == 'planned' and (tonumber(r.claimedAtMs) or 0) + lease <= now then
  if not r.code and code ~= '' then
    if not reserve() then return { 'code_taken', '' } end
    r.code = code
  end
  local from = r.claimedBy or ''
  local since = string.format('%.17g', tonumber(r.claimedAtMs) or 0)
  r.claimedBy = owner
  r.claimedAtMs = now
  r.reclaims = (tonumber(r.reclaims) or 0) + 1
  local out = cjson.encode(r)
  redis.call('HSET', nt, id, out)
  return { 'reclaimed', out, from, since }
end
return { 'exists', raw }
