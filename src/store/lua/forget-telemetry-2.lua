--[[
  forgetTelemetry: remove series gone unreported, each unless it was reported again since the reading
  the caller judged (a report another replica wrote meanwhile is kept).

  KEYS[1] readings hash  (series field -> value)
  KEYS[2] stamps hash    (series field -> when reported, clock ms)
  ARGV    two per series: field, when the judged reading was reported (clock ms; '' = whatever its age)
  Returns: the number of series removed
]]
local removed = 0
for i = 1, #ARGV, 2 do
  local field, judged = ARGV[i], tonumber(ARGV[i + 1])
  local at = tonumber(redis.call('HGET', KEYS[2], field))
  if judged == nil or at == nil or at <= judged then
    removed = removed + redis.call('HDEL', KEYS[1], field)
    redis.call('HDEL', KEYS[2], field)
  end
end
return removed
