--[[
  readIncident: an incident's five keys as one JSON document, so that a reader gets one reply and
  parses it once instead of five replies and one JSON.parse per member, entry and notification.
  Member records, details, timeline entries and notification records are stored as JSON and are
  spliced in verbatim; only the hash's names and values are encoded here.

  KEYS[1] incident hash
  KEYS[2] members hash        (member -> record JSON)
  KEYS[3] member details hash (member -> details JSON)
  KEYS[4] timeline list       (entry JSON)
  KEYS[5] notifications hash  (id -> record JSON)
  ARGV[1] 'nodetails': leave the members' details out (the escalation engine never shows them, and
          they are most of what an incident of many members holds); anything else: include them
  Returns: false when the incident hash is gone, else
    {"hash":{field:value…},"members":{member:record…},"memberDetails":{member:details…},
     "timeline":[entry…],"notifications":[record…]}
  (an empty stored value is left out: it is not JSON)
]]
local enc = cjson.encode

local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then
  return false
end

local out = {}
local function object(flat, verbatim)
  out[#out + 1] = '{'
  local first = true
  for i = 1, #flat, 2 do
    local v = flat[i + 1]
    if not verbatim or v ~= '' then
      if not first then out[#out + 1] = ',' end
      first = false
      out[#out + 1] = enc(flat[i])
      out[#out + 1] = ':'
      out[#out + 1] = verbatim and v or enc(v)
    end
  end
  out[#out + 1] = '}'
end
local function array(list)
  out[#out + 1] = '['
  local first = true
  for _, v in ipairs(list) do
    if v ~= '' then
      if not first then out[#out + 1] = ',' end
      first = false
      out[#out + 1] = v
    end
  end
  out[#out + 1] = ']'
end

out[#out + 1] = '{"hash":'
object(h, false)
out[#out + 1] = ',"members":'
object(redis.call('HGETALL', KEYS[2]), true)
out[#out + 1] = ',"memberDetails":'
if ARGV[1] == 'nodetails' then
  out[#out + 1] = '{}'
else
  object(redis.call('HGETALL', KEYS[3]), true)
end
out[#out + 1] = ',"timeline":'
array(redis.call('LRANGE', KEYS[4], 0, -1))
out[#out + 1] = ',"notifications":'
array(redis.call('HVALS', KEYS[5]))
out[#out + 1] = '}'
return table.concat(out)
