--[[
  markHeartbeatMissing: mark a silent source missing, once, if it is still silent.

  KEYS[1] hash member → last-seen epoch ms
  KEYS[2] set of members marked missing
  KEYS[3] hash member → when its mark was set
  ARGV[1] member
  ARGV[2] cutoff (epoch ms): silent means last seen before this
  ARGV[3] now (epoch ms): when the mark is set
  Returns: the last-seen time when the member was newly marked missing, else -1
]]
local last = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
if last == nil or last >= tonumber(ARGV[2]) then return -1 end
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return -1 end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
return last
