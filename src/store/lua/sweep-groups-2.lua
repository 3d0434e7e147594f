--[[
  sweepGroups: one batch of the walk over the groups hash. Removes each field whose incident is gone
  (its hash expired after retention), unless the field now names another incident (the group opened
  a new one since the batch was read): checked here, in the same atomic step as the HDEL.

  KEYS[1] groups hash  (groupKey -> incident id)
  KEYS[2] the walk's cursor (string: the HSCAN cursor of the next batch)
  ARGV[1] incident key base ("<prefix>{ns}:inc:")
  ARGV[2] the cursor the batch was read at
  ARGV[3] the cursor HSCAN returned for the next batch ('0': the walk is over)
  then two per field the batch read (HSCAN): groupKey, the incident id it named
  Returns: the number of fields removed
  The cursor moves on only when it still is ARGV[2]: a sweeper running beside another (a round whose
  claim ran out) never moves it back, and the entries both read are removed once.
]]
local groups, cursorKey, base = KEYS[1], KEYS[2], ARGV[1]
local removed = 0
for i = 4, #ARGV, 2 do
  local field, id = ARGV[i], ARGV[i + 1]
  if redis.call('HGET', groups, field) == id and redis.call('EXISTS', base .. id) == 0 then
    removed = removed + redis.call('HDEL', groups, field)
  end
end
local at = redis.call('GET', cursorKey) or '0'
if at == ARGV[2] then
  if ARGV[3] == '0' then redis.call('DEL', cursorKey) else redis.call('SET', cursorKey, ARGV[3]) end
end
return removed
