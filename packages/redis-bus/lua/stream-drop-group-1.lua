-- Ends an unsubscribed endpoint's group on a topic stream once it has drained: when the group has no pending entry
-- and has read past the cutoff (the stream's last entry when the endpoint unsubscribed), it is destroyed; the stream
-- itself is deleted when no group is left. Until then nothing changes and the caller keeps draining.
-- KEYS[1]  the topic stream
-- ARGV[1]  the consumer group (the endpoint)
-- ARGV[2]  the cutoff id
-- returns  1 when the group is gone (destroyed now, or already), 0 while it still has entries to hand over
if redis.call('EXISTS', KEYS[1]) == 0 then return 1 end

local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function field(list, name)
  for i = 1, #list, 2 do
    if list[i] == name then return list[i + 1] end
  end
  return nil
end

local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
for _, group in ipairs(groups) do
  if field(group, 'name') == ARGV[1] then
    if field(group, 'pending') > 0 then return 0 end
    local lm, ls = parse(field(group, 'last-delivered-id'))
    local cm, cs = parse(ARGV[2])
    if lm < cm or (lm == cm and ls < cs) then return 0 end
    redis.call('XGROUP', 'DESTROY', KEYS[1], ARGV[1])
    if #groups == 1 then redis.call('DEL', KEYS[1]) end
    return 1
  end
end
return 1
