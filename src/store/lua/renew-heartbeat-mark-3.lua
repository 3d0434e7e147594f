--[[
  renewHeartbeatMark: a source watched during business hours, looked at within them, whose silence was
  marked before their last closing: that silence ended with the closing. Takes the old mark, once
  across replicas, and in the same step marks the source afresh when it is still silent today, so that
  no other caller can mark today's silence before the caller has ended yesterday's.

  KEYS[1] hash member → last-seen epoch ms
  KEYS[2] set of members marked missing
  KEYS[3] hash member → when its mark was set
  ARGV[1] member
  ARGV[2] closedAt (epoch ms): the last closing; a mark set before it is stale
  ARGV[3] cutoff (epoch ms): silent today means last seen before this; -1: not silent today
  ARGV[4] now (epoch ms)
  Returns: {-1} nothing to do (no mark, or one set since the closing; a mark of unknown time is given
  the time now, as it cannot be told from a silence of today); {markedAt, -1}: the stale mark taken
  off; {markedAt, lastSeen}: the stale mark taken off and the source marked afresh (silent since lastSeen)
]]
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then return {-1} end
local markedAt = tonumber(redis.call('HGET', KEYS[3], ARGV[1]))
if markedAt == nil then
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[4])
  return {-1}
end
if markedAt >= tonumber(ARGV[2]) then return {-1} end
local last = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
local cutoff = tonumber(ARGV[3])
if cutoff >= 0 and last ~= nil and last < cutoff then
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[4])
  return {markedAt, last}
end
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return {markedAt, -1}
