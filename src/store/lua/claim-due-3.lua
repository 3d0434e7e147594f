--[[
  claimDue: claim the incidents whose escalation is due, atomically, for one engine tick.
  Each claimed member is re-scored to now + lease (so a claimer that crashes has its work
  re-delivered once the lease is over) and gets a fresh fencing token; a later claimer's token is
  always larger, so a stale claimer can no longer reschedule.

  KEYS[1] due zset     (id -> epoch ms when the engine looks again; a claimed id: its lease end)
  KEYS[2] leases hash  (id -> "<token>|<lease end ms>")
  KEYS[3] fence counter (string, INCR)
  ARGV[1] now (epoch ms)
  ARGV[2] lease (ms)
  ARGV[3] batch (most members claimed)
  Returns: flat array { id1, dueScore1, token1, id2, dueScore2, token2, … } (scores as strings)
]]
local dueZ, leases, fence = KEYS[1], KEYS[2], KEYS[3]
local now, lease, batch = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local due = redis.call('ZRANGEBYSCORE', dueZ, '-inf', now, 'WITHSCORES', 'LIMIT', 0, batch)
local out = {}
local untilMs = now + lease
for i = 1, #due, 2 do
  local id, score = due[i], due[i + 1]
  local token = redis.call('INCR', fence)
  redis.call('ZADD', dueZ, untilMs, id)
  redis.call('HSET', leases, id, token .. '|' .. untilMs)
  out[#out + 1] = id
  out[#out + 1] = score
  out[#out + 1] = tostring(token)
end
return out
