--[[
  ingestEvents: for each event, open a new incident or merge the event into the one its group
  already has. Each event is one atomic step: a duplicate is counted and timestamped, never dropped
  and never a second incident. Several events go in one call (one round trip), in order.

  KEYS[1] groups hash   (groupKey -> incident id)
  KEYS[2] open zset     (id -> openedAt)
  KEYS[3] all zset      (id -> openedAt)
  KEYS[4] due zset      (id -> when the escalation engine looks again)
  ARGV[1] incident key base ("<prefix>{ns}:inc:"); an incident's keys are base..id, base..id..":m" …
  ARGV[2] reopen window (ms)
  ARGV[3] max timeline entries
  ARGV[4] retention of a resolved incident (ms)
  ARGV[5] how long a split body's mark lives (ms): see bodyMark
  ARGV[6] stale firing window (ms): see resolutionKey
  ARGV[7] how long a report's key is remembered (ms): see keyRecord
  then twenty-three per event (flat, so nothing is decoded here):
    groupKey
    id to use if a new incident is opened
    now (epoch ms): when the event was received
    resolve hold (ms): a member's resolution takes effect after it stayed calm this long
    source, class, site, level, status ('firing' | 'resolved' | 'notice'), member, eventKey, summary,
    labels (JSON), details (JSON): stored verbatim, never re-encoded here,
    drill ('1' | '0'), truncated (alerts left out of the body, on the first event of the body or of
    each part of a split body; '' on the events after it in the same call), resolution, playbookVersion,
    matchLabels (JSON of the labels the class's tiers match on; '' when they match on none),
    bodyMark (on the first event of each part of a body split over several calls: a key, the same
    for the body sent again, that says its left-out alerts are recorded; '' otherwise),
    afresh ('1': a firing that is a new occurrence, never a flap: it opens a new incident even when the
    group's was resolved within the reopen window; '' otherwise),
    resolutionKey (an event of a source whose events carry an occurrence identity, Alertmanager's
    fingerprint and startsAt: the eventKey of that occurrence's resolution, a resolution's own; ''
    otherwise). A firing whose member's last event was that resolution, received at most ARGV[6] ms
    after it, is a late copy (an HA peer's that had not seen the resolution yet): a duplicate, never a
    reopening. A resolution that carries it, of a firing member of an incident already resolved (a
    person closed it first), is answered ignored but recorded on the member, so that the late copy
    after it is known as one,
    keyRecord (a firing report sent with an idempotency key: the key, in the namespace, where that key
    of that group is remembered; '' otherwise). It holds `{"id":…,"at":…}`: the incident the first
    report with the key landed on, and when (epoch ms), and expires ARGV[7] ms after. The same key again
    within that time is a duplicate of that incident, whatever its state: an incident resolved since
    is not reopened (the duplicate is counted on it, it stays resolved), one no longer kept (retention)
    is answered by its id and nothing is written; while it is open or acknowledged the event goes the
    usual way (the key names the member: a duplicate of it). Later (also when the record outlived the
    window on a clock that is not Redis's), the key is a report like any other and is remembered afresh
  Returns, per event in order: { kind, id, eventCount, level, levelRaised (0|1), state } (and, for
  'resolved', when the incident opened, epoch ms)
    kind: opened | reopened | merged | duplicate | resolved | holding | ignored
  A notice (status 'notice') is news about the group's incident, not a member of it: it goes on the
  timeline (`member` says who told it) and raises the level, and there is nothing of it to resolve.
  With no incident open it opens (or reopens) one that a person must close.
  The incident hash keeps `firingMembers`, the number of member records whose status is firing, so
  that whether a resolution was the last one is known without reading every member; and the sorted
  set <incident>:calm holds the firing members whose resolution is being held, scored by when the
  hold ends (`calmIndexed` = 1 on the hash says it is kept). Together they tell the escalation
  engine whether every member is calm, and when the next hold ends, without reading any member.
  `memberResolvedAtMs` on a resolved incident: when a member's resolution was last recorded after the
  incident resolved: a firing more than the stale window after both is no late copy, and its member
  is not read for that.
  The incident's summary and labels are the latest news of what it is: the event that raised its
  level, and the later news of that event's member at that level or above (`namedBy`, `namedLevel` on
  the hash), so a new cause at the same level (low battery after a short runtime) says so; others'
  news at the same level does not take them over. `seenLabels` (a JSON array of labels JSON, at most
  16) keeps what every firing event of the current cycle carried of the labels its class's tiers
  match on (`matchLabels`, '' for a class whose tiers match on none: then nothing is kept), once one
  differs from the incident's own (`matchLabels` on the hash; absent: only those): a tier whose match
  fits any of them applies (a line fault after a bypass, a fire reported after a theft).
  A body's truncated count is recorded once, on the incident of its first event that lands on one
  and is not a duplicate (whatever its status): a body sent again after it was recorded (a retry
  after a 503) is all duplicates and adds nothing. A body split over several calls (more events
  than one call takes) gives its count to every part, so that news in a later part records it when
  the earlier parts brought none; the part that records it sets the body's mark (ARGV[5] ms), and a
  part that finds the mark set records nothing: the body counts once, also when a part failed and
  the sender sent the whole body again (the caller deletes the mark once every part is in).
  All keys of one namespace share a hash tag, so the incident keys built from ARGV[1] live in the
  same cluster slot as KEYS.
]]
local groups, openZ, allZ, dueZ = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local base = ARGV[1]
local reopenWindow, maxTimeline, retention = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
-- the event being ingested: set for each one by the loop at the end
local groupKey, newId, now, nowIso, ev, hold
local isoOf -- the time nowIso was made for
-- alerts the current body left out, until an event of it lands on an incident and records them
local truncated = 0
-- the current body's mark when it is split over several calls ('' when it is not)
local bodyMark = ''
local markMs = tonumber(ARGV[5])
local staleWindow = tonumber(ARGV[6])
local keyWindow = tonumber(ARGV[7])

--@include iso-time

local function keysOf(id)
  local k = base .. id
  return k, k .. ':m', k .. ':md', k .. ':tl', k .. ':nt', k .. ':calm'
end

local function calmKey(id)
  return base .. id .. ':calm'
end

-- Within one call: each group's incident id, each incident's state, level, event count and number
-- of firing members, and each timeline's length, once read (every event of a call often lands on the
-- same incident; nothing else writes while the script runs). An incident's count, last-event time and
-- firing members are written back once, at the end of the call (`touched`, in order).
local groupIds, timelineLengths, incs, touched = {}, {}, {}, {}

-- For an incident stored before the count and the calm set were kept: the members whose record
-- says firing counted, and the calm ones put in the calm set, from the records (once; then kept like
-- the rest). The calm set expires with the incident's other keys.
local function indexMembers(id)
  local incKey, membersKey = base .. id, base .. id .. ':m'
  local recs, firing, calm = redis.call('HGETALL', membersKey), 0, {}
  for i = 1, #recs, 2 do
    local m = cjson.decode(recs[i + 1])
    if m.status ~= 'resolved' then
      firing = firing + 1
      if m.calmSinceMs then
        calm[#calm + 1] = m.calmSinceMs + (m.holdMs or 0)
        calm[#calm + 1] = recs[i]
      end
    end
  end
  local ck = calmKey(id)
  redis.call('DEL', ck)
  for i = 1, #calm, 400 do
    redis.call('ZADD', ck, unpack(calm, i, math.min(i + 399, #calm)))
  end
  local ttl = redis.call('PTTL', incKey)
  if #calm > 0 and ttl > 0 then redis.call('PEXPIRE', ck, ttl) end
  redis.call('HSET', incKey, 'firingMembers', firing, 'calmIndexed', 1)
  return firing
end

local function incOf(id)
  local c = incs[id]
  if c == nil then
    local h = redis.call('HMGET', base .. id, 'state', 'level', 'eventCount', 'firingMembers', 'calmIndexed', 'namedBy', 'namedLevel')
    c = { state = h[1] or nil, level = tonumber(h[2] or '0'), count = tonumber(h[3] or '0'), firing = tonumber(h[4] or ''), namedBy = h[6] or nil, namedLevel = tonumber(h[7] or '') }
    if c.state and (not c.firing or h[5] ~= '1') then c.firing = indexMembers(id) end
    incs[id] = c
  end
  return c
end

-- one more event on incident `id`: counted, and its time kept as the last event's
local function touch(id, c)
  c.count = c.count + 1
  if not c.lastAt then touched[#touched + 1] = id end
  c.lastAt = nowIso
end

-- Members likewise: each record read once per call (false: none), and the records and details of
-- the members an incident's events touched written in one HSET each, at the end of the call or
-- before the incident's keys change expiry or its members are all read.
local memberRecs, pending, pendingIds = {}, {}, {}

-- the records of incident `id` known in this call, by member
local function recsOf(id)
  local recs = memberRecs[id]
  if recs == nil then
    recs = {}
    memberRecs[id] = recs
  end
  return recs
end

local function memberOf(id, member)
  local recs = recsOf(id)
  local m = recs[member]
  if m == nil then
    local raw = redis.call('HGET', base .. id .. ':m', member)
    m = raw and cjson.decode(raw) or false
    recs[member] = m
  end
  return m or nil
end

local function putMember(id, m)
  recsOf(id)[ev.member] = m
  local p = pending[id]
  if p == nil then
    p = { order = {}, details = {} }
    pending[id] = p
    pendingIds[#pendingIds + 1] = id
  end
  if p.details[ev.member] == nil then p.order[#p.order + 1] = ev.member end
  p.details[ev.member] = ev.details
end

-- HSET key f1 v1 f2 v2 …, in slices that stay well inside Lua's stack
local function hsetPairs(key, args)
  for i = 1, #args, 400 do
    redis.call('HSET', key, unpack(args, i, math.min(i + 399, #args)))
  end
end

local function flushMembers(id)
  local p = pending[id]
  if p == nil then return end
  pending[id] = nil
  local recs, records, details = memberRecs[id], {}, {}
  for _, member in ipairs(p.order) do
    records[#records + 1] = member
    records[#records + 1] = cjson.encode(recs[member])
    details[#details + 1] = member
    details[#details + 1] = p.details[member]
  end
  hsetPairs(base .. id .. ':m', records)
  hsetPairs(base .. id .. ':md', details)
end

local function writeBack()
  for _, id in ipairs(touched) do
    local c = incs[id]
    redis.call('HSET', base .. id, 'eventCount', c.count, 'lastEventAt', c.lastAt, 'firingMembers', c.firing)
  end
  for _, id in ipairs(pendingIds) do flushMembers(id) end
end

local function push(tl, entry, essential)
  if not essential then
    local n = timelineLengths[tl] or redis.call('LLEN', tl)
    timelineLengths[tl] = n
    if n >= maxTimeline then return end
  end
  timelineLengths[tl] = redis.call('RPUSH', tl, cjson.encode(entry))
end

-- A duplicate coalesces into the last timeline entry when that is a duplicate of the same member.
local function pushDuplicate(tl)
  local last = redis.call('LINDEX', tl, -1)
  if last then
    local e = cjson.decode(last)
    if e.type == 'duplicate' and e.member == ev.member then
      e.count = e.count + 1
      e.lastAt = nowIso
      redis.call('LSET', tl, -1, cjson.encode(e))
      return
    end
  end
  push(tl, { at = nowIso, type = 'duplicate', source = ev.source, member = ev.member, count = 1, lastAt = nowIso }, false)
end

local function setExpiry(id, ms)
  flushMembers(id) -- keys written later would miss the expiry
  for _, k in ipairs({ keysOf(id) }) do
    if ms then redis.call('PEXPIRE', k, ms) else redis.call('PERSIST', k) end
  end
end

local function memberRecord(prev)
  local m = prev or { since = nowIso, count = 0 }
  m.status = ev.status
  m.lastAt = nowIso
  m.count = m.count + 1
  m.lastKey = ev.eventKey
  m.source = ev.source
  return m
end

local function result(kind, id, raised)
  local c = incOf(id)
  return { kind, id, c.count, c.level, raised and 1 or 0, c.state or '' }
end

-- The body's left-out alerts, on the first incident one of its events lands on as news.
local function recordTruncation(incKey, tl)
  if truncated > 0 then
    if bodyMark ~= '' then
      -- a split body: recorded by an earlier part (of this sending or of one that failed part-way)?
      local fresh = redis.call('SET', bodyMark, '1', 'NX', 'PX', markMs)
      if not fresh then
        truncated = 0
        return
      end
    end
    redis.call('HINCRBY', incKey, 'truncatedAlerts', truncated)
    push(tl, { at = nowIso, type = 'truncated', source = ev.source, count = truncated }, true)
    truncated = 0
  end
end

-- The labels of the event being ingested among the incident's seenLabels (the current cycle's).
-- Kept only once an event brings labels other than the incident's: while it has none, the
-- incident's own labels are all it has seen (nothing is written when it opens, the intake's path).
local MAX_SEEN = 16
local function seeLabels(incKey)
  if ev.matchLabels == '' then return end -- the class's tiers match on no label
  local raw = redis.call('HGET', incKey, 'seenLabels')
  local seen
  if raw then
    seen = cjson.decode(raw)
  else
    local own = redis.call('HGET', incKey, 'matchLabels')
    if own == ev.matchLabels then return end
    seen = { own or '{}' }
  end
  for _, l in ipairs(seen) do
    if l == ev.matchLabels then return end
  end
  if #seen >= MAX_SEEN then return end
  seen[#seen + 1] = ev.matchLabels
  redis.call('HSET', incKey, 'seenLabels', cjson.encode(seen))
end

-- what a person must do when no member will ever say an incident is over
local MANUAL_NOTE = 'no monitor will report this as over; a person must close this incident'

local function open()
  local id = newId
  local incKey, _, _, tl = keysOf(id)
  local notice = ev.status == 'notice'
  local firing = notice and 0 or 1
  redis.call('HSET', incKey,
    'id', id, 'class', ev.class, 'level', ev.level, 'state', 'open', 'site', ev.site, 'summary', ev.summary,
    'openedAt', nowIso, 'openedAtMs', now, 'lastEventAt', nowIso, 'eventCount', 1, 'tier', 0,
    'drill', ev.drill and '1' or '0', 'source', ev.source, 'groupKey', groupKey,
    'labels', ev.labels, 'details', ev.details, 'truncatedAlerts', 0, 'reopenCount', 0,
    'resolution', notice and 'manual' or ev.resolution, 'playbookVersion', ev.playbookVersion, 'levelAtMs', now, 'firingMembers', firing, 'calmIndexed', 1,
    'namedBy', ev.member, 'namedLevel', ev.level)
  if not notice then putMember(id, memberRecord(nil)) end
  if ev.matchLabels ~= '' then redis.call('HSET', incKey, 'matchLabels', ev.matchLabels) end
  redis.call('HSET', groups, groupKey, id)
  groupIds[groupKey] = id
  incs[id] = { state = 'open', level = ev.level, count = 1, firing = firing, namedBy = ev.member, namedLevel = ev.level }
  redis.call('ZADD', openZ, now, id)
  redis.call('ZADD', allZ, now, id)
  redis.call('ZADD', dueZ, now, id)
  if notice then
    push(tl, { at = nowIso, type = 'opened', source = ev.source, by = ev.member, level = ev.level, summary = ev.summary, note = MANUAL_NOTE }, true)
  else
    push(tl, { at = nowIso, type = 'opened', source = ev.source, member = ev.member, level = ev.level, summary = ev.summary }, true)
  end
  recordTruncation(incKey, tl)
  return { 'opened', id, 1, ev.level, 0, 'open' }
end

-- A resolved incident opens again (its timeline goes on).
local function reopen(id, c, incKey, tl)
  redis.call('HSET', incKey, 'state', 'open')
  c.state = 'open'
  redis.call('HDEL', incKey, 'resolvedAt', 'resolvedAtMs', 'resolvedBy', 'acknowledgedAt', 'acknowledgedBy', 'memberResolvedAtMs')
  redis.call('HINCRBY', incKey, 'reopenCount', 1)
  redis.call('ZADD', openZ, redis.call('ZSCORE', allZ, id) or now, id)
  redis.call('ZADD', dueZ, now, id)
  setExpiry(id, nil)
  redis.call('HDEL', incKey, 'seenLabels') -- a new cycle: its tiers match on its own news
  if ev.status == 'notice' then
    -- every member was over already: none of them will say it is over again
    redis.call('HSET', incKey, 'resolution', 'manual')
    push(tl, { at = nowIso, type = 'reopened', source = ev.source, by = ev.member, note = MANUAL_NOTE }, true)
  else
    push(tl, { at = nowIso, type = 'reopened', source = ev.source, member = ev.member }, true)
  end
end

-- The level an event reaches: raised (and the summary with it) when it is above the incident's.
local function raiseTo(id, c, incKey, tl, level)
  if ev.level <= level then return false end
  redis.call('HSET', incKey, 'level', ev.level, 'levelAtMs', now, 'summary', ev.summary, 'labels', ev.labels, 'namedBy', ev.member, 'namedLevel', ev.level)
  if ev.matchLabels ~= '' then redis.call('HSET', incKey, 'matchLabels', ev.matchLabels) end
  c.level, c.namedBy, c.namedLevel = ev.level, ev.member, ev.level
  redis.call('ZADD', dueZ, now, id)
  local entry = { at = nowIso, type = 'level_raised', from = level, to = ev.level, source = ev.source, summary = ev.summary }
  if ev.status == 'notice' then entry.by = ev.member else entry.member = ev.member end
  push(tl, entry, true)
  return true
end

-- A late copy of an occurrence already over: the member's last event was this occurrence's resolution
-- (resolutionKey), received at most the stale window ago. An HA Alertmanager peer that had not seen
-- the resolution yet sends the firing it knew: counted as a duplicate, the member and incident stay
-- over. Later, the same occurrence firing is news (Prometheus back from a restart, its `for` state
-- restored): it reopens, or opens, as any refire.
local function staleCopy(m)
  if ev.resolutionKey == '' or m == nil or m.status ~= 'resolved' or m.lastKey ~= ev.resolutionKey then return false end
  return m.resolvedAtMs ~= nil and now - m.resolvedAtMs <= staleWindow
end

-- the same news of a member again (a resolution repeated, a stale firing copy): counted, and coalesced on the timeline
local function memberDuplicate(id, tl, m)
  m.count = m.count + 1
  m.lastAt = nowIso
  putMember(id, m)
  pushDuplicate(tl)
  return result('duplicate', id, false)
end

-- The incident a report's key (keyRecord) landed on within the key window; nil: the key is free.
local function keptReport()
  if ev.keyRecord == '' then return nil end
  local raw = redis.call('GET', ev.keyRecord)
  if not raw then return nil end
  local kept = cjson.decode(raw)
  if now - tonumber(kept.at) > keyWindow then return nil end
  return kept.id
end

-- The same report again, its incident `id` no longer open: a duplicate of it, nothing reopened (and,
-- the incident gone after its retention, nothing written). nil: open or acknowledged, the usual way.
local function reportAgain(id)
  local c = incOf(id)
  if not c.state then return { 'duplicate', id, 0, 0, 0, '' } end
  if c.state ~= 'resolved' then return nil end
  local _, _, _, tl = keysOf(id)
  touch(id, c)
  local m = memberOf(id, ev.member)
  if m then return memberDuplicate(id, tl, m) end
  pushDuplicate(tl)
  return result('duplicate', id, false)
end

local function ingestEvent()
  local id = groupIds[groupKey]
  if id == nil then
    id = redis.call('HGET', groups, groupKey) or false
    groupIds[groupKey] = id
  end
  local c, state, level = nil, nil, 0
  if id then
    c = incOf(id)
    state, level = c.state, c.level
    if not state then id = nil end -- expired
  end

  if ev.status == 'resolved' then
    if not id then
      return { 'ignored', '', 0, 0, 0, '' }
    end
    if state == 'resolved' then
      -- closed before this member said it is over (by a person): nothing to do but, for an occurrence
      -- (resolutionKey), to record the member's resolution, so that an HA peer's firing copy of it
      -- sent just after is known as a late copy (staleCopy), not news that reopens the incident
      if ev.resolutionKey ~= '' then
        local m = memberOf(id, ev.member)
        if m and m.status ~= 'resolved' then
          if m.calmSinceMs then redis.call('ZREM', calmKey(id), ev.member) end
          m = memberRecord(m)
          m.calmSinceMs = nil
          m.calmSince = nil
          m.holdMs = nil
          m.resolvedAtMs = now
          putMember(id, m)
          c.firing = c.firing - 1
          redis.call('HSET', base .. id, 'firingMembers', c.firing, 'memberResolvedAtMs', now)
        end
      end
      return { 'ignored', id, 0, 0, 0, state }
    end
    local incKey, _, _, tl = keysOf(id)
    local m = memberOf(id, ev.member)
    if not m then
      return { 'ignored', id, 0, 0, 0, state }
    end
    touch(id, c)
    if m.status == 'resolved' then
      return memberDuplicate(id, tl, m)
    end
    if hold > 0 then
      if not m.calmSinceMs then
        m.calmSinceMs = now
        m.calmSince = nowIso
        m.holdMs = hold
        m.count = m.count + 1
        putMember(id, m)
        redis.call('ZADD', calmKey(id), now + hold, ev.member)
        push(tl, { at = nowIso, type = 'calm', source = ev.source, member = ev.member, holdMs = hold }, true)
        recordTruncation(incKey, tl)
        -- look again when the hold is over, even if the source never reports again
        local dueAt = tonumber(redis.call('ZSCORE', dueZ, id) or '0')
        if dueAt == 0 or dueAt > now + hold then redis.call('ZADD', dueZ, now + hold, id) end
        return result('holding', id, false)
      end
      if now - m.calmSinceMs < hold then
        m.count = m.count + 1
        putMember(id, m)
        pushDuplicate(tl)
        return result('holding', id, false)
      end
    end
    if m.calmSinceMs then redis.call('ZREM', calmKey(id), ev.member) end
    recordTruncation(incKey, tl)
    m = memberRecord(m)
    m.calmSinceMs = nil
    m.calmSince = nil
    m.holdMs = nil
    m.resolvedAtMs = now -- when its occurrence's late copies stop being stale (resolutionKey)
    putMember(id, m)
    c.firing = c.firing - 1
    push(tl, { at = nowIso, type = 'member_resolved', source = ev.source, member = ev.member }, true)
    -- every member over → the incident resolves from the source (unless a person must close it);
    -- known from the count, so a resolution costs the same with 10 members or 10 000
    if c.firing > 0 then
      return result('merged', id, false)
    end
    if redis.call('HGET', incKey, 'resolution') == 'manual' then
      push(tl, { at = nowIso, type = 'source_clear', source = ev.source, note = 'every monitor is clear; a person must close this incident' }, true)
      return result('merged', id, false)
    end
    redis.call('HSET', incKey, 'state', 'resolved', 'resolvedAt', nowIso, 'resolvedAtMs', now, 'resolvedBy', 'source:' .. ev.source)
    c.state = 'resolved'
    redis.call('ZREM', openZ, id)
    redis.call('ZADD', dueZ, now, id)
    push(tl, { at = nowIso, type = 'resolved', by = 'source:' .. ev.source, via = ev.source }, true)
    setExpiry(id, retention)
    local out = result('resolved', id, false)
    out[7] = tonumber(redis.call('HGET', incKey, 'openedAtMs')) or 0 -- the time it took, for the metrics
    return out
  end

  -- firing
  if not id then
    return open()
  end

  local incKey, _, _, tl = keysOf(id)
  local kind = 'merged'
  if state == 'resolved' then
    local h = redis.call('HMGET', incKey, 'resolvedAtMs', 'memberResolvedAtMs')
    local resolvedAtMs = tonumber(h[1] or '0')
    -- a member resolved no later than its incident, or than the last member resolution recorded
    -- after it: only this soon after that can a copy be stale
    if ev.resolutionKey ~= '' and now - math.max(resolvedAtMs, tonumber(h[2] or '0')) <= staleWindow then
      local m = memberOf(id, ev.member)
      if staleCopy(m) then
        touch(id, c)
        return memberDuplicate(id, tl, m)
      end
    end
    if now - resolvedAtMs > reopenWindow or ev.afresh then
      return open()
    end
    reopen(id, c, incKey, tl)
    kind = 'reopened'
  end

  touch(id, c)

  if ev.status == 'notice' then
    recordTruncation(incKey, tl)
    push(tl, { at = nowIso, type = 'notice', source = ev.source, by = ev.member, level = ev.level, summary = ev.summary }, true)
    -- a notice that names the incident takes its labels over: what the incident matched on till then
    -- (a deep discharge) stays among what it has seen
    if ev.level > level then seeLabels(incKey) end
    local raised = raiseTo(id, c, incKey, tl, level)
    return { kind, id, c.count, c.level, raised and 1 or 0, c.state }
  end

  local prev = memberOf(id, ev.member)
  -- a late copy of the member's occurrence resolved just before, the incident still open for others
  if kind ~= 'reopened' and staleCopy(prev) then return memberDuplicate(id, tl, prev) end
  -- the same report of a member still firing; a member calm since (its resolution held) firing again is news
  local duplicate = prev ~= nil and prev.lastKey == ev.eventKey and prev.status == 'firing' and not prev.calmSinceMs
  if prev == nil or prev.status == 'resolved' then c.firing = c.firing + 1 end
  if prev ~= nil and prev.calmSinceMs then redis.call('ZREM', calmKey(id), ev.member) end
  local m = memberRecord(prev)
  m.calmSinceMs = nil
  m.calmSince = nil
  m.holdMs = nil
  m.resolvedAtMs = nil
  putMember(id, m)

  if kind ~= 'reopened' and not duplicate then
    push(tl, { at = nowIso, type = 'event', source = ev.source, member = ev.member, level = ev.level, summary = ev.summary }, false)
  end

  if not duplicate then seeLabels(incKey) end
  local raised = raiseTo(id, c, incKey, tl, level)
  if not raised and not duplicate then
    -- news of the member that named the incident, at its level or above: its summary and labels say it
    if c.namedBy == ev.member and ev.level >= (c.namedLevel or 99) then
      redis.call('HSET', incKey, 'summary', ev.summary, 'labels', ev.labels, 'namedLevel', ev.level)
      c.namedLevel = ev.level
      if ev.matchLabels ~= '' then redis.call('HSET', incKey, 'matchLabels', ev.matchLabels) end
    end
  end

  -- what the incident now is, known without reading it back
  local reply = { kind, id, c.count, c.level, raised and 1 or 0, c.state }
  if kind ~= 'reopened' and duplicate and not raised then
    pushDuplicate(tl)
    reply[1] = 'duplicate'
  else
    recordTruncation(incKey, tl)
  end
  return reply
end

local function ingestOne()
  local kept = keptReport()
  if kept then
    local again = reportAgain(kept)
    if again then return again end
  end
  local out = ingestEvent()
  -- a key free until now: remembered with the incident its report landed on
  if ev.keyRecord ~= '' and not kept and out[2] ~= '' then
    redis.call('SET', ev.keyRecord, cjson.encode({ id = out[2], at = now }), 'PX', keyWindow)
  end
  return out
end

local results = {}
for i = 8, #ARGV, 23 do
  groupKey, newId, now, hold = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  ev = {
    source = ARGV[i + 4], class = ARGV[i + 5], site = ARGV[i + 6], level = tonumber(ARGV[i + 7]), status = ARGV[i + 8],
    member = ARGV[i + 9], eventKey = ARGV[i + 10], summary = ARGV[i + 11], labels = ARGV[i + 12], details = ARGV[i + 13],
    drill = ARGV[i + 14] == '1', resolution = ARGV[i + 16], playbookVersion = ARGV[i + 17],
    matchLabels = ARGV[i + 18], afresh = ARGV[i + 20] == '1', resolutionKey = ARGV[i + 21], keyRecord = ARGV[i + 22],
  }
  if ARGV[i + 15] ~= '' then truncated, bodyMark = tonumber(ARGV[i + 15]) or 0, ARGV[i + 19] end -- a new body, or a part of one
  if now ~= isoOf then isoOf, nowIso = now, iso(now) end -- the events of one body share their time
  results[#results + 1] = ingestOne()
end
writeBack()
return results
