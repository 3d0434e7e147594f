--[[
  readTelemetry: every series' last reading and when it was reported. A reading written without a
  stamp (by a daemon from before readings aged) is stamped now, so that it ages from here on.

  KEYS[1] readings hash  (series field -> value)
  KEYS[2] stamps hash    (series field -> when reported, clock ms)
  ARGV[1] now (clock ms)
  Returns: flat { field, value, when reported, ... }
]]
local held = redis.call('HGETALL', KEYS[1])
local stampList = redis.call('HGETALL', KEYS[2])
local stampOf = {}
for i = 1, #stampList, 2 do stampOf[stampList[i]] = stampList[i + 1] end
local out = {}
for i = 1, #held, 2 do
  local field = held[i]
  local at = stampOf[field]
  if not at then
    at = ARGV[1]
    redis.call('HSET', KEYS[2], field, at)
  end
  out[#out + 1] = field
  out[#out + 1] = held[i + 1]
  out[#out + 1] = at
end
return out
