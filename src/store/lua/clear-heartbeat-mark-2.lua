--[[
  clearHeartbeatMark: take a member's "missing" mark off (its silence is over without a report).

  KEYS[1] set of members marked missing
  KEYS[2] hash member → when its mark was set
  ARGV[1] member
  Returns: -1 when the member was not marked (another caller took the mark); else when the mark was
  set (0: unknown), and the caller ends its incident
]]
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return -1 end
local markedAt = tonumber(redis.call('HGET', KEYS[2], ARGV[1])) or 0
redis.call('HDEL', KEYS[2], ARGV[1])
return markedAt
