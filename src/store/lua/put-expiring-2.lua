--[[
  putExpiring: store a record that ends at a known time (an on-call override, a maintenance window),
  drop the records already over, and make both keys expire with the last record (TTL from `now`).

  KEYS[1] zset  (id -> until, epoch ms)
  KEYS[2] hash  (id -> record JSON)
  ARGV[1] id
  ARGV[2] until (epoch ms)
  ARGV[3] record JSON
  ARGV[4] now (epoch ms)
  ARGV[5] grace (ms) the keys outlive the last record by
  Returns: the number of records kept (this one included)
]]
local zset, hash = KEYS[1], KEYS[2]
local id, untilMs, record = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local now, grace = tonumber(ARGV[4]), tonumber(ARGV[5])

local over = redis.call('ZRANGEBYSCORE', zset, '-inf', now)
for _, old in ipairs(over) do redis.call('HDEL', hash, old) end
if #over > 0 then redis.call('ZREMRANGEBYSCORE', zset, '-inf', now) end

redis.call('ZADD', zset, untilMs, id)
redis.call('HSET', hash, id, record)

-- Relative to the caller's clock (which tests may set), not Redis' own.
local last = redis.call('ZRANGE', zset, -1, -1, 'WITHSCORES')
local ttl = math.max(1, math.floor(tonumber(last[2]) - now + grace))
redis.call('PEXPIRE', zset, ttl)
redis.call('PEXPIRE', hash, ttl)
return redis.call('ZCARD', zset)
