--[[
  recordNotification: record a notification's status change (sent, logged, failed, cancelled,
  delivered …), merging the given fields into its record. Only the current claimer may record
  the outcome of its own send (fencing: a claimer whose record was taken over cannot overwrite it).
  A timeline entry telling of it may go in the same step; it is written whenever the record exists
  (what was tried is on the record even when the claim was lost), never for an incident that is gone.

  A page that went but whose record could not be written then (Redis down right after the provider
  took it) is recorded later with ARGV[5] = "planned": merged only while the record is still
  "planned", whoever claims it now, and its timeline entry written only then. A claim taken over
  meanwhile (the outage outlasted the lease) has not reached its provider call yet while the record
  is planned; its renewal right before that call then finds the page settled and sends nothing.

  KEYS[1] notifications hash of the incident (notification id -> record JSON)
  KEYS[2] timeline list of the incident
  ARGV[1] notification id
  ARGV[2] patch JSON (fields to set; a JSON null is ignored)
  ARGV[3] claimer ("" = anyone, e.g. a delivery callback)
  ARGV[4] timeline entry JSON to append, or ""
  ARGV[5] "planned" to record only a record still planned (whoever claims it; ARGV[3] ignored), else ""
  Returns: 1 when recorded, 0 when the record is missing, claimed by someone else, or (ARGV[5])
  no longer planned
]]
--@include patch-record

local nt, tl = KEYS[1], KEYS[2]
local id, patch, owner, entry, onlyPlanned = ARGV[1], cjson.decode(ARGV[2]), ARGV[3], ARGV[4], ARGV[5] == 'planned'
local raw = redis.call('HGET', nt, id)
if not raw then return 0 end
local r = cjson.decode(raw)
if onlyPlanned then
  if r.status ~= 'planned' then return 0 end
  if entry ~= '' then redis.call('RPUSH', tl, entry) end
  patchRecord(nt, id, r, patch)
  return 1
end
if entry ~= '' then
  redis.call('RPUSH', tl, entry)
end
if owner ~= '' and r.claimedBy ~= owner then return 0 end
patchRecord(nt, id, r, patch)
return 1
