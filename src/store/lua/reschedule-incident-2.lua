--[[
  rescheduleIncident: a claimer hands an incident back with the time the engine must look again.
  Only the holder of the current fencing token may do so. When someone re-scored the incident
  while it was claimed (an event, an acknowledgement or a resolution asked for a look now), the
  earlier of the two times wins and the entry is never removed.

  KEYS[1] due zset     (id -> epoch ms when the engine looks again; a claimed id: its lease end)
  KEYS[2] leases hash  (id -> "<token>|<lease end ms>")
  ARGV[1] id
  ARGV[2] token (from claimDue / claimIncident)
  ARGV[3] next: epoch ms; "park" (open, nothing due by time: +inf, the auditor still sees it);
          "" (nothing left: removed)
  Returns: "rescheduled" | "touched" (kept the earlier time someone else set) | "lost" (token no longer holds)
]]
local dueZ, leases = KEYS[1], KEYS[2]
local id, token, nextAt = ARGV[1], ARGV[2], ARGV[3]
local held = redis.call('HGET', leases, id)
if not held then return 'lost' end
local sep = string.find(held, '|', 1, true)
if string.sub(held, 1, sep - 1) ~= token then return 'lost' end
local untilMs = tonumber(string.sub(held, sep + 1))
redis.call('HDEL', leases, id)
local cur = redis.call('ZSCORE', dueZ, id)
local target = nil
if nextAt == 'park' then target = '+inf' elseif nextAt ~= '' then target = nextAt end
if cur and tonumber(cur) ~= untilMs then
  -- re-scored by someone else while claimed: keep the earlier time
  if nextAt ~= 'park' and nextAt ~= '' and tonumber(nextAt) < tonumber(cur) then redis.call('ZADD', dueZ, nextAt, id) end
  return 'touched'
end
if target then
  redis.call('ZADD', dueZ, target, id)
else
  redis.call('ZREM', dueZ, id)
end
return 'rescheduled'
