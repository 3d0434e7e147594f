--[[
  readIncident: an incident's keys as one JSON document, so that a reader gets one reply and parses
  it once instead of a reply per key and one JSON.parse per member, entry and notification.
  Member records, details, timeline entries and notification records are stored as JSON and are
  spliced in verbatim; only the hash's names and values are encoded here.

  KEYS[1] incident hash
  KEYS[2] members hash        (member -> record JSON)
  KEYS[3] member details hash (member -> details JSON)
  KEYS[4] timeline list       (entry JSON)
  KEYS[5] notifications hash  (id -> record JSON)
  KEYS[6] calm zset           (member -> epoch ms its held resolution completes)
  ARGV[1] 'engine': the escalation engine's read, ARGV[2] its time (epoch ms). It leaves the
          members' details out (the engine never shows them, and they are most of what an incident
          of many members holds) and, where the incident keeps its calm set (`calmIndexed`), reads
          only the members whose hold is over at ARGV[2] (the ones it must settle), and adds
          "calm":{"count":n,"first":ms|null}: how many members are calm, and when the first hold
          ends.
          'full': the incident as the API shows it, ARGV[2] the most members listed (with their
          details): all of them up to that many, else that many as HSCAN finds them (the rest are
          paged by read-members-3.lua), so that reading an incident of a storm's 100 000 members
          costs no more than one of a few hundred.
  Returns: false when the incident hash is gone, else
    {"hash":{field:value…},"members":{member:record…},"memberDetails":{member:details…},
     "timeline":[entry…],"notifications":[record…],"memberCount":n[,"calm":{…}]}
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
-- name, value, name, value … of these fields of a hash
local function pick(key, names)
  local flat = {}
  if #names == 0 then return flat end
  local values = redis.call('HMGET', key, unpack(names))
  for i, name in ipairs(names) do
    flat[#flat + 1] = name
    flat[#flat + 1] = values[i] or ''
  end
  return flat
end

local engine = ARGV[1] == 'engine'
local indexed = engine and redis.call('HGET', KEYS[1], 'calmIndexed') == '1'
local memberCount = redis.call('HLEN', KEYS[2])
local limit = tonumber(ARGV[2]) or memberCount
out[#out + 1] = ',"members":'
if indexed then
  object(pick(KEYS[2], redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', ARGV[2])), true)
  out[#out + 1] = ',"memberDetails":{}'
elseif engine then
  object(redis.call('HGETALL', KEYS[2]), true)
  out[#out + 1] = ',"memberDetails":{}'
elseif memberCount <= limit then
  object(redis.call('HGETALL', KEYS[2]), true)
  out[#out + 1] = ',"memberDetails":'
  object(redis.call('HGETALL', KEYS[3]), true)
else
  local names, cursor = {}, '0'
  repeat
    local page = redis.call('HSCAN', KEYS[2], cursor, 'COUNT', limit)
    cursor = page[1]
    for i = 1, #page[2], 2 do
      if #names < limit then names[#names + 1] = page[2][i] end
    end
  until cursor == '0' or #names >= limit
  object(pick(KEYS[2], names), true)
  out[#out + 1] = ',"memberDetails":'
  object(pick(KEYS[3], names), true)
end
out[#out + 1] = ',"timeline":'
array(redis.call('LRANGE', KEYS[4], 0, -1))
out[#out + 1] = ',"notifications":'
array(redis.call('HVALS', KEYS[5]))
out[#out + 1] = ',"memberCount":' .. memberCount
if indexed then
  local first = redis.call('ZRANGE', KEYS[6], 0, 0, 'WITHSCORES')[2]
  out[#out + 1] = string.format(',"calm":{"count":%d,"first":%s}', redis.call('ZCARD', KEYS[6]), first and string.format('%d', tonumber(first)) or 'null')
end
out[#out + 1] = '}'
return table.concat(out)
