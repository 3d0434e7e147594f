--[[
  settleClaim: end a claim taken with a token (SET NX PX lease). While the key still holds the
  token, either mark the work done for `keep` ms, or give the claim back (keep = 0) so the next
  check can take it. A claim whose lease ran out and that someone else took since is left alone.

  KEYS[1] claim key
  ARGV[1] token
  ARGV[2] keep: ms the done mark lasts, 0 to give the claim back
  Returns: 1 when settled, 0 when the key no longer held the token
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local keep = tonumber(ARGV[2])
if keep > 0 then
  redis.call('SET', KEYS[1], 'done', 'PX', keep)
else
  redis.call('DEL', KEYS[1])
end
return 1
