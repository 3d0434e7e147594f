--[[
  beatHeartbeat: a source reported; record when, and clear its "missing" mark.

  KEYS[1] hash member → last-seen epoch ms
  KEYS[2] set of members marked missing (an incident is open for them)
  ARGV[1] member (heartbeat:<source>:<key>)
  ARGV[2] now (epoch ms)
  Returns: 1 when the member had been marked missing (the caller resolves its incident), else 0
]]
local last = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
local now = tonumber(ARGV[2])
if last == nil or now > last then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return redis.call('SREM', KEYS[2], ARGV[1])
