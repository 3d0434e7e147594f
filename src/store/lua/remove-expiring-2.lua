--[[
  removeExpiring: delete one record stored by putExpiring.

  KEYS[1] zset  (id -> until, epoch ms)
  KEYS[2] hash  (id -> record JSON)
  ARGV[1] id
  Returns: 1 when the record existed, 0 otherwise
]]
local removed = redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
return removed
