--[[
  completeStep: mark an escalation step as carried out (once), raise the incident's `tier` (the
  highest tier index reached; it never goes down) and, the first time only, write the timeline entry
  that tells of it, in the same step (a crash cannot leave the mark without the entry).

  KEYS[1] incident hash
  KEYS[2] timeline list of the incident
  ARGV[1] step key (stored as field "step:<key>")
  ARGV[2] now (epoch ms)
  ARGV[3] tier index reached by this step, or -1
  ARGV[4] timeline entry JSON to append when newly marked, or ""
  Returns: 1 when the step was newly marked, 0 when it already was or the incident is gone
]]
local inc, tl = KEYS[1], KEYS[2]
local key, now, tier, entry = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
if redis.call('EXISTS', inc) == 0 then return 0 end
local fresh = redis.call('HSETNX', inc, 'step:' .. key, now)
if tier >= 0 and tier > (tonumber(redis.call('HGET', inc, 'tier')) or 0) then
  redis.call('HSET', inc, 'tier', tier)
end
if fresh == 1 and entry ~= '' then
  redis.call('RPUSH', tl, entry)
end
return fresh
