--[[
  countOpen: the open-incident gauges of one slice of the open set, counted inside Redis so that the
  daemon gets a few numbers back instead of one reply per incident.

  KEYS[1] open zset (id -> openedAt)
  ARGV[1] incident key base ("<prefix>{ns}:inc:"); an incident's hash is base..id (same slot as KEYS[1])
  ARGV[2] first rank of the slice, ARGV[3] last rank (ZRANGE start stop)
  ARGV[4] the class whose open incidents are queue surges
  Returns { counts, surges, n }:
    counts — flat pairs "class\0level\0state", count: incidents not resolved, by class, level and state
    surges — flat pairs "site\0queue", tier + 1: for each surge queue, the highest tier reached + 1
    n      — ids in the slice (fewer than asked: the slice was the last)
]]
local base, surgeClass = ARGV[1], ARGV[4]
local ids = redis.call('ZRANGE', KEYS[1], tonumber(ARGV[2]), tonumber(ARGV[3]))
local counts, countOrder, surges, surgeOrder = {}, {}, {}, {}
for _, id in ipairs(ids) do
  local h = redis.call('HMGET', base .. id, 'class', 'level', 'state')
  local klass, level, state = h[1] or '', h[2] or '0', h[3]
  if state and state ~= 'resolved' then -- gone (expired) or resolved: not counted
    local k = klass .. '\0' .. level .. '\0' .. state
    if not counts[k] then
      counts[k] = 0
      countOrder[#countOrder + 1] = k
    end
    counts[k] = counts[k] + 1
    if klass == surgeClass then
      local s = redis.call('HMGET', base .. id, 'site', 'labels', 'tier')
      local ok, labels = pcall(cjson.decode, s[2] or '{}')
      local queue = ok and type(labels) == 'table' and labels.queue or nil
      if type(queue) == 'string' then
        local sk = (s[1] or '') .. '\0' .. queue
        local tier = (tonumber(s[3]) or 0) + 1
        if not surges[sk] then surgeOrder[#surgeOrder + 1] = sk end
        if (surges[sk] or 0) < tier then surges[sk] = tier end
      end
    end
  end
end
local countsOut, surgesOut = {}, {}
for _, k in ipairs(countOrder) do
  countsOut[#countsOut + 1] = k
  countsOut[#countsOut + 1] = counts[k]
end
for _, k in ipairs(surgeOrder) do
  surgesOut[#surgesOut + 1] = k
  surgesOut[#surgesOut + 1] = surges[k]
end
return { countsOut, surgesOut, #ids }
