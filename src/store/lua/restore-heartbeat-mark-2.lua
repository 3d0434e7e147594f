--[[
  restoreHeartbeatMark: put back a "missing" mark, as it was, whose incident step then failed.

  KEYS[1] set of members marked missing
  KEYS[2] hash member → when its mark was set
  ARGV[1] member
  ARGV[2] when the mark was set (epoch ms; 0: unknown)
  Returns: 1
]]
redis.call('SADD', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
else
  redis.call('HDEL', KEYS[2], ARGV[1])
end
return 1
