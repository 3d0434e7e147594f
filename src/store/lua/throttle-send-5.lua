--[[
  throttleSend: the per-destination throttle's state for one person and channel, read and changed
  atomically. The decision itself is made in code (src/domain/throttle.ts) on what `read` returned;
  every change is made only if the person's version is still the one that decision saw, so two
  replicas can never both pass one limit (the loser reads again and decides again).

  KEYS[1] sends zset     (member "<channel>|<notification id>", "<channel>~<gathered phase>|<notification id>"
                         -> epoch ms sent): every message to the person
  KEYS[2] pending zset   (member "<incident id>|<notification id>" -> epoch ms queued): pages on this channel
                         waiting to be folded into the next message of their lane (pages, or one gathered
                         phase: each lane has its own pending and critical zsets)
  KEYS[3] critical zset  (same members): critical pages on this channel waiting out the minimum gap; only
                         a critical message carries them
  KEYS[4] version        (string, INCR on every recorded send)
  KEYS[5] told mark      (string: "<step key>:<person>" of the page that first went or waited to go about one
                         incident cycle; expires keep after it was set). The daily cap lets a page through
                         only while no other page of its incident holds it (see ARGV[7])
  ARGV[1] action:
            read    — returns { version, waiting, told, member1, ms1, member2, ms2, … } (sends newer than
                      now - keep; waiting: 1 when ARGV[5] is on either waiting zset, else 0; told: the told
                      mark when ARGV[6] is '1', else '')
            check   — returns { 'ok', version } when the version is still the expected one, else { 'conflict', version }
            send    — records ARGV[5] as sent at now and takes the waiting pages (the critical ones too when
                      ARGV[6] is '1'); returns { 'ok', version, taken1, taken2, … } (critical ones prefixed "!")
                      or { 'conflict', version }
            bundle  — queues ARGV[5] (on the critical zset when ARGV[6] is '1'; earliest time kept);
                      returns { 'ok', version } or { 'conflict', version }
            force   — records ARGV[5] as sent whatever the version (messages never held back); returns { 'ok', version }
            count   — as force, but only when ARGV[5] is not recorded yet (a notice, counted before it goes: a
                      second count keeps the first); returns { 'ok', version, '1' } when it recorded it, else
                      { 'ok', version, '0' }
            forget  — takes ARGV[5] off the sends (a notice counted before it went, whose channel failed);
                      returns { 'ok', version } when it was recorded, { 'gone', version } when not
            release — puts ARGV[5..] back ("!"-prefixed onto the critical zset): their carrier could not be sent;
                      returns { 'ok', version }
            withdraw — takes ARGV[5] off both waiting zsets, to be decided again (no carrier can take it
                      meanwhile); returns { 'ok', version } when it was waiting, { 'gone', version } when not
  ARGV[2] expected version ("" = whatever it is)
  ARGV[3] now (epoch ms, the caller's clock)
  ARGV[4] keep (ms): sends older than now - keep are dropped; every key expires keep after its last change
  ARGV[5] member (ARGV[5..] for release)
  Every change of the sends (send, force, a count that recorded, a forget that removed) moves the version:
  a decision made on the sends before it is made again.
  ARGV[6] '1' when the page is critical (send, bundle); '1' to read the told mark (read)
  ARGV[7] told (send, bundle): '' leaves the told mark alone;
            note  — the page goes or waits to go about its incident: it becomes the told mark unless a page
                    holds it already;
            claim — the page goes over the daily cap as its incident's one page: only while the mark is
                    unset, the page's own, or ARGV[9] (a page that reached nobody), else { 'conflict', version }
                    and nothing is changed; the mark is the page's then
  ARGV[8] the page ("<step key>:<person>": every channel and attempt of one page) for ARGV[7]
  ARGV[9] the page a claim may take the mark from ('' none)
]]
local sends, pending, critical, ver, told = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local action, expected, now, keep = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local version = redis.call('GET', ver) or '0'

if action == 'read' then
  local waiting = 0
  if ARGV[5] and ARGV[5] ~= '' and (redis.call('ZSCORE', pending, ARGV[5]) or redis.call('ZSCORE', critical, ARGV[5])) then waiting = 1 end
  local holder = ''
  if ARGV[6] == '1' then holder = redis.call('GET', told) or '' end
  local out = { version, waiting, holder }
  local rows = redis.call('ZRANGEBYSCORE', sends, '(' .. (now - keep), '+inf', 'WITHSCORES')
  for i = 1, #rows do out[#out + 1] = rows[i] end
  return out
end

local function touch()
  redis.call('ZREMRANGEBYSCORE', sends, '-inf', now - keep)
  redis.call('ZREMRANGEBYSCORE', pending, '-inf', now - keep)
  redis.call('ZREMRANGEBYSCORE', critical, '-inf', now - keep)
  for _, k in ipairs({ sends, pending, critical, ver }) do
    if redis.call('EXISTS', k) == 1 then redis.call('PEXPIRE', k, keep) end
  end
end

if action == 'withdraw' then
  local n = redis.call('ZREM', pending, ARGV[5]) + redis.call('ZREM', critical, ARGV[5])
  return { n > 0 and 'ok' or 'gone', version }
end

if action == 'count' then
  if redis.call('ZADD', sends, 'NX', now, ARGV[5]) == 0 then return { 'ok', version, '0' } end
  version = tostring(redis.call('INCR', ver))
  touch()
  return { 'ok', version, '1' }
end

if action == 'forget' then
  if redis.call('ZREM', sends, ARGV[5]) == 0 then return { 'gone', version } end
  version = tostring(redis.call('INCR', ver))
  touch()
  return { 'ok', version }
end

if action == 'release' then
  for i = 5, #ARGV do
    local m = ARGV[i]
    if string.sub(m, 1, 1) == '!' then
      redis.call('ZADD', critical, 'NX', now, string.sub(m, 2))
    else
      redis.call('ZADD', pending, 'NX', now, m)
    end
  end
  touch()
  return { 'ok', version }
end

if action ~= 'force' and expected ~= '' and expected ~= version then return { 'conflict', version } end
if action == 'check' then return { 'ok', version } end

local isCritical = ARGV[6] == '1'
local toldMode, page, replacing = ARGV[7] or '', ARGV[8] or '', ARGV[9] or ''
if toldMode == 'claim' then
  local holder = redis.call('GET', told)
  if holder and holder ~= page and holder ~= replacing then return { 'conflict', version } end
end
-- the page goes (or waits to go) about its incident: the first such page of the cycle is the told mark
local function markTold()
  if toldMode == 'claim' then
    redis.call('SET', told, page, 'PX', keep)
  elseif toldMode == 'note' then
    redis.call('SET', told, page, 'NX', 'PX', keep)
  end
end

if action == 'bundle' then
  redis.call('ZADD', isCritical and critical or pending, 'NX', now, ARGV[5])
  markTold()
  touch()
  return { 'ok', version }
end

-- send / force
redis.call('ZADD', sends, now, ARGV[5])
version = tostring(redis.call('INCR', ver))
if action == 'send' then markTold() end
local out = { 'ok', version }
if action == 'send' then
  for _, m in ipairs(redis.call('ZRANGE', pending, 0, -1)) do out[#out + 1] = m end
  redis.call('DEL', pending)
  if isCritical then
    for _, m in ipairs(redis.call('ZRANGE', critical, 0, -1)) do out[#out + 1] = '!' .. m end
    redis.call('DEL', critical)
  end
end
touch()
return out
