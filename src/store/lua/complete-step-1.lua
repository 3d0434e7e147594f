--[[
  completeStep: mark an escalation step as carried out (once) and raise the incident's `tier`
  (the highest tier index reached; it never goes down).

  KEYS[1] incident hash
  ARGV[1] step key (stored as field "step:<key>")
  ARGV[2] now (epoch ms)
  ARGV[3] tier index reached by this step, or -1
  Returns: 1 when the step was newly marked, 0 when it already was or the incident is gone
]]
local inc = KEYS[1]
local key, now, tier = ARGV[1], ARGV[2], tonumber(ARGV[3])
if redis.call('EXISTS', inc) == 0 then return 0 end
local fresh = redis.call('HSETNX', inc, 'step:' .. key, now)
if tier >= 0 and tier > (tonumber(redis.call('HGET', inc, 'tier')) or 0) then
  redis.call('HSET', inc, 'tier', tier)
end
return fresh
