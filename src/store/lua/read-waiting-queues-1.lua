--[[
  readWaitingQueues: every TaskRouter queue with tasks waiting, in every workspace, with its oldest task,
  for the periodic re-check that ages them between callbacks. Drops what no longer waits as it goes.

  KEYS[1] waiting index (zset: '<workspace>|<queueSid>' -> ms last touched; see applyTaskEvent)
  ARGV[1] key root: a workspace's keys are root..workspace..':q:'..queueSid (waiting zset),
          root..workspace..':names' and root..workspace..':workers'; they share the hash tag of KEYS[1]
  ARGV[2] now (epoch ms)
  ARGV[3] ttl (ms): tasks created longer ago are dropped from the counts, as applyTaskEvent does
  Returns a flat array, 6 entries per queue with tasks waiting:
    workspace (as in the key names), queueSid, queue name ('' if never named), tasks waiting,
    creation ms of the oldest waiting task, available workers in the workspace
]]
local index = KEYS[1]
local root, now, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])

redis.call('ZREMRANGEBYSCORE', index, '-inf', string.format('(%d', now - ttl))
local out = {}
for _, e in ipairs(redis.call('ZRANGE', index, 0, -1)) do
  local cut = string.find(e, '|', 1, true)
  local ws, q = string.sub(e, 1, cut - 1), string.sub(e, cut + 1)
  local z = root .. ws .. ':q:' .. q
  redis.call('ZREMRANGEBYSCORE', z, '-inf', string.format('(%d', now - ttl))
  local first = redis.call('ZRANGE', z, 0, 0, 'WITHSCORES')
  if first[1] == nil then
    redis.call('ZREM', index, e)
  else
    table.insert(out, ws)
    table.insert(out, q)
    table.insert(out, redis.call('HGET', root .. ws .. ':names', q) or '')
    table.insert(out, redis.call('ZCARD', z))
    table.insert(out, first[2])
    table.insert(out, redis.call('SCARD', root .. ws .. ':workers'))
  end
end
return out
