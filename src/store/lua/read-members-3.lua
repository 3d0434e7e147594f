--[[
  readMembers: one page of an incident's members with their details, for an incident with more than
  an incident's JSON lists. Pages follow HSCAN's cursor: a walk from cursor 0 until it comes back 0
  sees every member present for the whole walk at least once (one that arrives meanwhile may or may
  not be seen; a member may be seen twice).

  KEYS[1] incident hash
  KEYS[2] members hash        (member -> record JSON)
  KEYS[3] member details hash (member -> details JSON)
  ARGV[1] cursor ('0' to start)
  ARGV[2] members per page, about (HSCAN's COUNT)
  Returns: false when the incident hash is gone, else
    {"cursor":"<next>"|null,"memberCount":n,"members":{member:record…},"memberDetails":{member:details…}}
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
local page = redis.call('HSCAN', KEYS[2], ARGV[1], 'COUNT', tonumber(ARGV[2]))
local names, records = {}, {}
for i = 1, #page[2], 2 do
  names[#names + 1] = page[2][i]
  records[#records + 1] = page[2][i + 1]
end
local details = #names > 0 and redis.call('HMGET', KEYS[3], unpack(names)) or {}

local out = { '{"cursor":', page[1] == '0' and 'null' or cjson.encode(page[1]), ',"memberCount":', redis.call('HLEN', KEYS[2]) }
local function object(field, values)
  out[#out + 1] = ',"' .. field .. '":{'
  local first = true
  for i, name in ipairs(names) do
    local v = values[i]
    if v and v ~= '' then
      if not first then out[#out + 1] = ',' end
      first = false
      out[#out + 1] = cjson.encode(name)
      out[#out + 1] = ':'
      out[#out + 1] = v
    end
  end
  out[#out + 1] = '}'
end
object('members', records)
object('memberDetails', details)
out[#out + 1] = '}'
return table.concat(out)
