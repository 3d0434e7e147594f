--[[
  renewClaim: renew a claim taken with a token (SET NX PX lease) right before its work's provider
  call, so the whole call fits inside a fresh lease. Only while the key still holds the token: a
  claim whose lease ran out and that someone else took since (or one settled) is left alone, and its
  first holder must not go on.

  KEYS[1] claim key
  ARGV[1] token
  ARGV[2] lease (ms), counted from now
  Returns: 1 when renewed, 0 when the key no longer held the token
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
