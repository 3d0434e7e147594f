--[[
  findClearTargets: for all-clears about to be recorded, whether each would find anything to clear,
  read in one round trip and nothing written. An all-clear finds nothing when its group has no
  incident, or one that is resolved or gone, or one that never had that member: the ingest script
  answers such an event `ignored` and changes nothing.

  KEYS[1] groups hash   (groupKey -> incident id)
  ARGV[1] incident key base ("<prefix>{ns}:inc:"); an incident's hash is base..id, its members base..id..":m"
  then two per all-clear: groupKey, member
  Returns, flat, two per all-clear: 1 when an unresolved incident holds the member (0 when not), and
  the group's incident id ('' when it has none).
]]
local base = ARGV[1]
local out = {}
for i = 2, #ARGV, 2 do
  local groupKey, member = ARGV[i], ARGV[i + 1]
  local id = redis.call('HGET', KEYS[1], groupKey)
  local held = 0
  if id then
    local state = redis.call('HGET', base .. id, 'state')
    if state and state ~= 'resolved' and redis.call('HEXISTS', base .. id .. ':m', member) == 1 then held = 1 end
  end
  out[#out + 1] = held
  out[#out + 1] = id or ''
end
return out
