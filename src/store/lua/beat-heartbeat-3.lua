--[[
  beatHeartbeat: a source reported; record when, and clear its "missing" mark.

  KEYS[1] hash member → last-seen epoch ms
  KEYS[2] set of members marked missing (an incident is open for them)
  KEYS[3] hash member → when its mark was set (epoch ms; absent for marks from before marks carried it)
  ARGV[1] member (heartbeat:<source>:<key>)
  ARGV[2] now (epoch ms)
  Returns: -1 when the member was not marked missing; else when its mark was set (0: unknown), and the
  caller resolves its incident
]]
local last = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
local now = tonumber(ARGV[2])
if last == nil or now > last then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
local markedAt = tonumber(redis.call('HGET', KEYS[3], ARGV[1])) or 0
redis.call('HDEL', KEYS[3], ARGV[1])
if redis.call('SREM', KEYS[2], ARGV[1]) == 0 then return -1 end
return markedAt
