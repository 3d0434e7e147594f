--[[
  sweepAll: one batch of the walk over the all-incidents set, oldest first. Removes each member whose
  incident is gone (its hash expired after retention). Only members opened at or before ARGV[3] are
  looked at: an incident expires at the earliest `retention` after it opened, so the walk stops at
  the first newer member. The members it keeps (open, or resolved less than `retention` ago) stay
  before the cursor, which counts them.

  KEYS[1] all zset     (id -> openedAt)
  KEYS[2] the walk's cursor (string: how many members the walk kept before the next batch)
  ARGV[1] incident key base ("<prefix>{ns}:inc:")
  ARGV[2] members per batch
  ARGV[3] newest openedAt (epoch ms) that can have expired: now - retention
  Returns: { removed, 1 when the walk is over (the cursor starts again at the oldest) or 0 }
]]
local allZ, cursorKey, base = KEYS[1], KEYS[2], ARGV[1]
local batch, newest = tonumber(ARGV[2]), tonumber(ARGV[3])
local from = tonumber(redis.call('GET', cursorKey) or '0') or 0
local page = redis.call('ZRANGE', allZ, from, from + batch - 1, 'WITHSCORES')
local removed, kept, over = 0, 0, #page < 2 * batch
for i = 1, #page, 2 do
  if tonumber(page[i + 1]) > newest then
    over = true
    break
  end
  if redis.call('EXISTS', base .. page[i]) == 0 then
    removed = removed + redis.call('ZREM', allZ, page[i])
  else
    kept = kept + 1
  end
end
if over then redis.call('DEL', cursorKey) else redis.call('SET', cursorKey, from + kept) end
return { removed, over and 1 or 0 }
