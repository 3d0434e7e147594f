--[[
  setOnce: set a field of an existing incident hash only if it is not set yet (escalation markers:
  a tier brought forward, a timeline note already written). Never creates a stray hash.

  KEYS[1] incident hash
  ARGV[1] field
  ARGV[2] value
  Returns: 1 when set now, 0 when it was already set or the incident is gone
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
