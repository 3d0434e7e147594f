--[[
  applyTaskEvent: apply one TaskRouter change to the per-queue waiting sets of a workspace, atomically.

  KEYS[1] tasks hash     (taskSid -> queueSid the task waits in)
  KEYS[2] workers set    (workerSids whose activity counts as available)
  KEYS[3] names hash     (queueSid -> TaskQueueName, when an event named it)
  KEYS[4] waiting index  (zset, every workspace: '<workspace>|<queueSid>' -> ms it was last touched) of the
          queues with tasks waiting, which the periodic re-check (readWaitingQueues) ages
  ARGV[1] queue key base: a queue's waiting zset is base..queueSid (taskSid -> epoch ms the task was created);
          it shares the hash tag of KEYS, so it lives in the same cluster slot
  ARGV[2] kind: task | worker | other
  ARGV[3] now (epoch ms)
  ARGV[4] ttl (ms): tasks created longer ago are dropped from the counts; every key touched expires after it
  ARGV[5] this workspace's entries in the index: '<workspace>|' (the workspace as in the key names)
  kind task:   ARGV[6] taskSid, ARGV[7] queueSid ('' = the one the task is known in), ARGV[8] queue name ('' = unknown),
               ARGV[9] '1' waiting (pending/reserved) | '0' gone (assigned, wrapping, completed, canceled, left the queue),
               ARGV[10] task age (ms) as reported
  kind worker: ARGV[6] workerSid, ARGV[7] '1' available | '0' not available
  Returns a flat array, 5 entries per queue the change touched:
    queueSid, queue name ('' if never named), tasks waiting, creation ms of the oldest waiting task ('' if none),
    available workers in the workspace
]]
local tasks, workers, names, index = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local base, kind, entry = ARGV[1], ARGV[2], ARGV[5]
local now, ttl = tonumber(ARGV[3]), tonumber(ARGV[4])

local touched = {}
local function touch(q)
  if q and q ~= '' then
    for _, t in ipairs(touched) do
      if t == q then return end
    end
    table.insert(touched, q)
  end
end

if kind == 'task' then
  local sid, given, name = ARGV[6], ARGV[7], ARGV[8]
  local waiting, age = ARGV[9] == '1', tonumber(ARGV[10]) or 0
  local known = redis.call('HGET', tasks, sid)
  if known == false then known = nil end
  if given ~= '' and name ~= '' then
    redis.call('HSET', names, given, name)
  end
  if waiting then
    local q = given ~= '' and given or known
    if q then
      if known and known ~= q then
        redis.call('ZREM', base .. known, sid)
        touch(known)
      end
      redis.call('ZADD', base .. q, now - age, sid)
      redis.call('HSET', tasks, sid, q)
      touch(q)
    end
  else
    local q = known or (given ~= '' and given or nil)
    redis.call('HDEL', tasks, sid)
    if q then
      redis.call('ZREM', base .. q, sid)
      touch(q)
    end
    if given ~= '' and given ~= q then
      redis.call('ZREM', base .. given, sid)
      touch(given)
    end
  end
elseif kind == 'worker' then
  if ARGV[7] == '1' then
    redis.call('SADD', workers, ARGV[6])
  else
    redis.call('SREM', workers, ARGV[6])
  end
end

local available = redis.call('SCARD', workers)
local out = {}
for _, q in ipairs(touched) do
  local z = base .. q
  redis.call('ZREMRANGEBYSCORE', z, '-inf', string.format('(%d', now - ttl))
  local count = redis.call('ZCARD', z)
  local oldest = ''
  if count > 0 then
    local first = redis.call('ZRANGE', z, 0, 0, 'WITHSCORES')
    oldest = first[2]
    redis.call('PEXPIRE', z, ttl)
    redis.call('ZADD', index, now, entry .. q)
  else
    redis.call('ZREM', index, entry .. q)
  end
  local name = redis.call('HGET', names, q)
  table.insert(out, q)
  table.insert(out, name or '')
  table.insert(out, count)
  table.insert(out, oldest)
  table.insert(out, available)
end
for _, k in ipairs({ tasks, workers, names, index }) do
  if redis.call('EXISTS', k) == 1 then redis.call('PEXPIRE', k, ttl) end
end
return out
