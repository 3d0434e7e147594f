--[[
  putTelemetry: keep telemetry readings as the last ones of their series, with when each was reported.

  KEYS[1] readings hash  (series field -> value)
  KEYS[2] stamps hash    (series field -> when reported, clock ms)
  ARGV    three per reading: series field, value, when reported (clock ms)
  Returns: the number of readings written
]]
local values, stamps = {}, {}
for i = 1, #ARGV, 3 do
  values[#values + 1] = ARGV[i]
  values[#values + 1] = ARGV[i + 1]
  stamps[#stamps + 1] = ARGV[i]
  stamps[#stamps + 1] = ARGV[i + 2]
end
if #values == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(values))
redis.call('HSET', KEYS[2], unpack(stamps))
return #values / 2
