--[[
  raiseLevel: the escalation engine raises an open incident's level (climb by duration, or the
  severity table's "unresolved N at level L"). A level only goes up.

  KEYS[1] incident hash
  KEYS[2] incident timeline list
  ARGV[1] new level (1-5)
  ARGV[2] now (epoch ms)
  ARGV[3] now as ISO-8601 (for the timeline)
  ARGV[4] reason
  Returns: the previous level when raised, 0 when not (resolved, gone, or already at or above)
]]
local inc, tl = KEYS[1], KEYS[2]
local to, now, nowIso, reason = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
local state = redis.call('HGET', inc, 'state')
if not state or state == 'resolved' then return 0 end
local level = tonumber(redis.call('HGET', inc, 'level')) or 0
if to <= level then return 0 end
redis.call('HSET', inc, 'level', to, 'levelAtMs', now)
redis.call('RPUSH', tl, cjson.encode({ at = nowIso, type = 'level_raised', from = level, to = to, reason = reason, source = 'escalation' }))
return level
