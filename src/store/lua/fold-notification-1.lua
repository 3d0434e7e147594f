--[[
  foldNotification: change a notification that is still waiting to be sent ("planned"), and only
  then: a page folded into another message is taken over by that message's sender, and later
  recorded as carried by it. A page already sent, cancelled or failed is left as it is.

  KEYS[1] notifications hash of the incident (notification id -> record JSON)
  ARGV[1] notification id
  ARGV[2] patch JSON (fields to set; a JSON null is ignored)
  ARGV[3] claimer the record must have ("" = any)
  Returns: 1 when changed, 0 when the record is missing, no longer planned, or claimed by someone else
]]
--@include patch-record

local nt = KEYS[1]
local id, patch, owner = ARGV[1], cjson.decode(ARGV[2]), ARGV[3]
local raw = redis.call('HGET', nt, id)
if not raw then return 0 end
local r = cjson.decode(raw)
if r.status ~= 'planned' then return 0 end
if owner ~= '' and r.claimedBy ~= owner then return 0 end
patchRecord(nt, id, r, patch)
return 1
