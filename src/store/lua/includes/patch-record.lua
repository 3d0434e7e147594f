-- patchRecord(hash, id, r, patch): merge the patch's fields into the decoded record r (a JSON null is
-- ignored) and store it back under id.
local function patchRecord(hash, id, r, patch)
  for k, v in pairs(patch) do
    if v ~= cjson.null then r[k] = v end
  end
  redis.call('HSET', hash, id, cjson.encode(r))
end
