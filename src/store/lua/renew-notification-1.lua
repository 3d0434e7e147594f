--[[
  renewNotification: renew a notification's claim right before its page is handed to the provider,
  so the whole send fits inside a fresh lease: the lease (claimedAtMs + escalation.lease, see
  claimNotification) starts again at `now`. Only the claim this sender took is renewed: the record
  must still be "planned", claimed by this owner, and claimed at the time this sender claimed it
  (an owner id is one per process: a claim of the same process taken over since is another claim).
  A claim whose lease ran out but that nobody took over yet is still this sender's, and is renewed.

  KEYS[1] notifications hash of the incident (notification id -> record JSON)
  ARGV[1] notification id
  ARGV[2] claimer (owner id the record must carry in claimedBy)
  ARGV[3] claimedAtMs the record must carry (what this sender's claim wrote)
  ARGV[4] now (epoch ms): the new claimedAtMs
  Returns: one of
    renewed — the lease starts now; the caller sends
    lost    — another claimer has it (another owner, or taken over since); nothing written
    settled — it is no longer planned (sent, failed, cancelled); nothing written
    gone    — no such record; nothing written
]]
local nt = KEYS[1]
local id, owner, claimedAt, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local raw = redis.call('HGET', nt, id)
if not raw then return 'gone' end
local r = cjson.decode(raw)
if r.status ~= 'planned' then return 'settled' end
if r.claimedBy ~= owner or tonumber(r.claimedAtMs) ~= claimedAt then return 'lost' end
r.claimedAtMs = now
redis.call('HSET', nt, id, cjson.encode(r))
return 'renewed'
