-- Housekeeping of one stream, run now and then by every consumer that reads it.
-- 1. Deletes consumers of ARGV[1]'s group that own no pending entry and were idle for longer than ARGV[2] ms (the
--    names of dead processes; a live consumer deleted this way is recreated by its next read, losing nothing).
-- 2. Trims: removes every entry that each group of the stream has acknowledged. Per group, the oldest entry it still
--    needs is its oldest pending entry or, with none pending, the entry after its last-delivered-id; XTRIM MINID
--    keeps everything from the smallest of those. Nothing a group has not acknowledged is ever removed. A stream
--    without any group is deleted (no subscriber: nobody to deliver to).
-- KEYS[1]  the stream
-- ARGV[1]  the consumer group of the caller
-- ARGV[2]  consumer expiry in ms
-- returns  { entries trimmed, consumers deleted }
if redis.call('EXISTS', KEYS[1]) == 0 then return { 0, 0 } end

local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function less(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  if am ~= bm then return am < bm end
  return as < bs
end
local function field(list, name)
  for i = 1, #list, 2 do
    if list[i] == name then return list[i + 1] end
  end
  return nil
end

local pruned = 0
local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
for _, group in ipairs(groups) do
  if field(group, 'name') == ARGV[1] then
    for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
      if field(consumer, 'pending') == 0 and field(consumer, 'idle') > tonumber(ARGV[2]) then
        redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], field(consumer, 'name'))
        pruned = pruned + 1
      end
    end
  end
end

if #groups == 0 then
  local length = redis.call('XLEN', KEYS[1])
  redis.call('DEL', KEYS[1])
  return { length, pruned }
end

local minid = nil
for _, group in ipairs(groups) do
  local needed
  if field(group, 'pending') > 0 then
    needed = redis.call('XPENDING', KEYS[1], field(group, 'name'))[2]
  else
    local ms, seq = parse(field(group, 'last-delivered-id'))
    needed = string.format('%.0f-%.0f', ms, seq + 1)
  end
  if minid == nil or less(needed, minid) then minid = needed end
end
return { redis.call('XTRIM', KEYS[1], 'MINID', minid), pruned }
