--[[
  recordNotification: record a notification's status change (sent, logged, failed, cancelled,
  delivered …), merging the given fields into its record. Only the current claimer may record
  the outcome of its own send (fencing: a claimer whose record was taken over cannot overwrite it).
  A timeline entry telling of it may go in the same step; it is written whenever the record exists
  (what was tried is on the record even when the claim was lost), never for an incident that is gone.

  KEYS[1] notifications hash of the incident (notification id -> record JSON)
  KEYS[2] timeline list of the incident
  ARGV[1] notification id
  ARGV[2] patch JSON (fields to set; a JSON null is ignored)
  ARGV[3] claimer ("" = anyone, e.g. a delivery callback)
  ARGV[4] timeline entry JSON to append, or ""
  Returns: 1 when recorded, 0 when the record is missing or claimed by someone else
]]
--@include patch-record

local nt, tl = KEYS[1], KEYS[2]
local id, patch, owner, entry = ARGV[1], cjson.decode(ARGV[2]), ARGV[3], ARGV[4]
local raw = redis.call('HGET', nt, id)
if not raw then return 0 end
if entry ~= '' then
  redis.call('RPUSH', tl, entry)
end
local r = cjson.decode(raw)
if owner ~= '' and r.claimedBy ~= owner then return 0 end
patchRecord(nt, id, r, patch)
return 1
