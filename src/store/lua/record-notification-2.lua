--[[
  recordNotification: record a notification's status change (sent, logged, failed, cancelled,
  delivered …), merging the given fields into its record. Only the current claimer may record
  the outcome of its own send (fencing: a claimer whose record was taken over cannot overwrite it).
  A timeline entry telling of it may go in the same step; it is written whenever the record exists
  (what was tried is on the record even when the claim was lost), never for an incident that is gone.

  ARGV[5] = "sent": the sender's record of a page its provider took (status sent or logged, the
  provider id, `sentAt`). While the record is still "planned" it is merged as above (ARGV[3] ""
  merges it whoever claims it now: a page that went but whose record could not be written then,
  Redis down right after the send, recorded later; a claim taken over meanwhile has not reached its
  provider call yet while the record is planned, and its renewal right before that call then finds
  the page settled and sends nothing). News of that very page can be there first: Twilio posts a
  status callback as soon as the message or call is under way, maybe before its API answer is back,
  and on any replica, and a delivery callback lands on the record whatever its status. A record a
  callback or an answer moved on (it carries a `providerStatus`, or is delivered or acknowledged)
  and that no sender has recorded yet (no `sentAt`) keeps its status and time: the send's other
  fields are added and its timeline entry written (once: the record then has its `sentAt`), so
  `delivered` is never taken back to `sent`, nor a failure the engine moves the page on from.

  KEYS[1] notifications hash of the incident (notification id -> record JSON)
  KEYS[2] timeline list of the incident
  ARGV[1] notification id
  ARGV[2] patch JSON (fields to set; a JSON null is ignored)
  ARGV[3] claimer ("" = anyone, e.g. a delivery callback)
  ARGV[4] timeline entry JSON to append, or ""
  ARGV[5] "sent" for the sender's record of a page that went (see above), else ""
  Returns: 1 when recorded, 0 when the record is missing or claimed by someone else, or (ARGV[5])
  settled already
]]
--@include patch-record

local nt, tl = KEYS[1], KEYS[2]
local id, patch, owner, entry, sent = ARGV[1], cjson.decode(ARGV[2]), ARGV[3], ARGV[4], ARGV[5] == 'sent'
local raw = redis.call('HGET', nt, id)
if not raw then return 0 end
local r = cjson.decode(raw)
local function note()
  if entry ~= '' then redis.call('RPUSH', tl, entry) end
end
if sent and r.status ~= 'planned' then
  if r.sentAt == nil and (r.providerStatus ~= nil or r.status == 'delivered' or r.status == 'acknowledged') then
    patch.status = nil
    patch.at = nil
    note()
    patchRecord(nt, id, r, patch)
    return 1
  end
  -- settled by someone else (a claim taken over), or recorded already: told only by the first write
  if owner ~= '' then note() end
  return 0
end
note()
if owner ~= '' and r.claimedBy ~= owner then return 0 end
patchRecord(nt, id, r, patch)
return 1
