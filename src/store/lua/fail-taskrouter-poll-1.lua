--[[
  failTaskrouterPoll: a round of the TaskRouter agents poll read nothing of a workspace.

  KEYS[1] hash: since:<workspace> → first failed round of the run (epoch ms); open:<workspace> → that
          run's start, once its incident was opened
  ARGV[1] workspace
  ARGV[2] now (epoch ms)
  ARGV[3] how long failing opens the incident (ms; 0: never)
  Returns: { since, 1 } for the one caller that opens the incident now; { since, 0 } otherwise
]]
local sinceField = 'since:' .. ARGV[1]
redis.call('HSETNX', KEYS[1], sinceField, ARGV[2])
local since = tonumber(redis.call('HGET', KEYS[1], sinceField))
local after = tonumber(ARGV[3])
if after > 0 and tonumber(ARGV[2]) - since >= after and redis.call('HSETNX', KEYS[1], 'open:' .. ARGV[1], since) == 1 then
  return { since, 1 }
end
return { since, 0 }
