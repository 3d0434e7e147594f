--[[
  readTaskrouterPoll: a round of the TaskRouter agents poll read a workspace: its run of failures ends.

  KEYS[1] hash of failTaskrouterPoll
  ARGV[1] workspace
  Returns: the run's start (epoch ms) for the one caller that resolves the incident opened for it;
  -1 when none was opened (or another caller took it)
]]
local opened = redis.call('HGET', KEYS[1], 'open:' .. ARGV[1])
redis.call('HDEL', KEYS[1], 'since:' .. ARGV[1], 'open:' .. ARGV[1])
if opened then return tonumber(opened) end
return -1
