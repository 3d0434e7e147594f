--[[
  reinstateNotification: bring back a page cancelled at the daily cap, once, to wait again: its
  incident climbed to a level whose pages the cap never drops. Only a record still cancelled for
  that reason and never reinstated before is changed, so of two replicas looking at once only one
  brings it back (and a page is never brought back twice).

  KEYS[1] notifications hash of the incident (notification id -> record JSON)
  ARGV[1] notification id
  ARGV[2] patch JSON (fields to set, with status "planned" and the `reinstated` mark; a JSON null is ignored)
  Returns: 1 when changed, 0 when the record is missing, not cancelled at the daily cap, or reinstated already
]]
--@include patch-record

local nt = KEYS[1]
local id, patch = ARGV[1], cjson.decode(ARGV[2])
local raw = redis.call('HGET', nt, id)
if not raw then return 0 end
local r = cjson.decode(raw)
if r.status ~= 'cancelled' or r.reason ~= 'throttled' or r.limit ~= 'daily_cap' or r.reinstated ~= nil then return 0 end
-- no longer a cancelled page: why it was cancelled is on the timeline
r.reason = nil
patchRecord(nt, id, r, patch)
return 1
