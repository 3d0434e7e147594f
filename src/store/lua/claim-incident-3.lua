--[[
  claimIncident: claim one incident now, whatever its due time (the fast path after an
  acknowledgement or a resolution). Refused while another claimer's lease still runs.

  KEYS[1] due zset     (id -> epoch ms when the engine looks again; a claimed id: its lease end)
  KEYS[2] leases hash  (id -> "<token>|<lease end ms>")
  KEYS[3] fence counter (string, INCR)
  ARGV[1] id
  ARGV[2] now (epoch ms)
  ARGV[3] lease (ms)
  Returns: { token, dueScore } when claimed (dueScore "" when the id was not in the due set),
           or {} when someone else holds it.
]]
local dueZ, leases, fence = KEYS[1], KEYS[2], KEYS[3]
local id, now, lease = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local held = redis.call('HGET', leases, id)
if held then
  local sep = string.find(held, '|', 1, true)
  local untilMs = tonumber(string.sub(held, sep + 1))
  if untilMs and untilMs > now then return {} end
end
local score = redis.call('ZSCORE', dueZ, id)
local token = redis.call('INCR', fence)
local untilMs = now + lease
redis.call('ZADD', dueZ, untilMs, id)
redis.call('HSET', leases, id, token .. '|' .. untilMs)
return { tostring(token), score or '' }
