--[[
  readLive: what decides whether a page is still wanted, read right before it goes out.

  KEYS[1] incident hash
  KEYS[2] members hash  (member -> record JSON)
  KEYS[3] calm zset     (member -> epoch ms its held resolution completes)
  Returns: false when the incident hash is gone, else { state, reopenCount, controlled (1 | 0) }
    controlled: every member is resolved, or calm while its resolution is held. Where the incident
    keeps its firing-member count and calm set (`calmIndexed`), that is one comparison and no member
    is read; an incident stored before them is judged from its members' records.
]]
local h = redis.call('HMGET', KEYS[1], 'state', 'reopenCount', 'firingMembers', 'calmIndexed')
if not h[1] then
  return false
end
local controlled
if h[4] == '1' and h[3] then
  controlled = tonumber(h[3]) == redis.call('ZCARD', KEYS[3])
else
  controlled = true
  for _, v in ipairs(redis.call('HVALS', KEYS[2])) do
    local m = cjson.decode(v)
    if m.status ~= 'resolved' and not m.calmSinceMs then
      controlled = false
      break
    end
  end
end
return { h[1], tonumber(h[2] or '0'), controlled and 1 or 0 }
