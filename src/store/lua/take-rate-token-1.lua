--[[
  takeRateToken: count one request against a limit of `requests` per `window`, with a whole window's
  requests allowed as a burst (GCRA: the key holds the theoretical arrival time of the next request).
  One key, so it runs unchanged on a Redis Cluster.

  KEYS[1] the limit's theoretical arrival time (epoch ms as a decimal string)
  ARGV[1] now (epoch ms, the caller's clock)
  ARGV[2] requests allowed per window (>= 1)
  ARGV[3] window (ms, >= 1)
  Returns: { 1, 0 } when allowed (and counted), { 0, retryAfterMs } when refused (nothing counted)
]]
local now = tonumber(ARGV[1])
local requests = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local interval = window / requests
local tat = tonumber(redis.call('GET', KEYS[1]) or '') or now
if tat < now then tat = now end
local nextTat = tat + interval
local allowAt = nextTat - window
if now < allowAt then
  return { 0, math.ceil(allowAt - now) }
end
redis.call('SET', KEYS[1], string.format('%.3f', nextTat), 'PX', math.max(1, math.ceil(nextTat - now)))
return { 1, 0 }
