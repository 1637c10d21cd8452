--[[ queue-release-9: a consumer hands back messages it took in reliable mode and will not ack (nack, or a clean
stop): they go back to the head of the queue, oldest first, for the next consumer.
KEYS: the nine queue keys (see queue-attach-9.lua): 1 meta 2 list 3 msgs 4 notify 5 attachers 6 consumers
  7 processing 8 owners 9 deliveries
ARGV: 1 consumer id, 2 'all' (every message it holds, and the consumer is unregistered) or 'ids', 3.. ids
Returns: the number of messages put back (ids no longer leased to this consumer are skipped).
]]
-- Puts messages back at the head of the queue, oldest first, merged with older messages already waiting at the head
-- (earlier put-backs), so the head stays in push order. Skips messages flushed meanwhile. Returns how many went back.
local function put_back(ids)
  local back = {}
  for _, id in ipairs(ids) do
    redis.call('ZREM', KEYS[7], id)
    redis.call('HDEL', KEYS[8], id)
    if redis.call('HEXISTS', KEYS[3], id) == 1 then back[#back + 1] = id end
  end
  if #back == 0 then return 0 end
  local before = function(a, b) return tonumber(a) < tonumber(b) end
  table.sort(back, before)
  local returned = #back
  local newest = tonumber(back[#back])
  local older = 0
  for _, id in ipairs(redis.call('LRANGE', KEYS[2], 0, 999)) do
    if tonumber(id) >= newest then break end
    older = older + 1
    back[#back + 1] = id
  end
  if older > 0 then
    redis.call('LPOP', KEYS[2], older)
    table.sort(back, before)
  end
  -- LPUSH a b c leaves c first: push newest first, in chunks (Lua's unpack has a stack limit).
  local i = #back
  while i >= 1 do
    local chunk = {}
    for j = i, math.max(1, i - 999), -1 do chunk[#chunk + 1] = back[j] end
    redis.call('LPUSH', KEYS[2], unpack(chunk))
    i = i - 1000
  end
  local tokens = {}
  for j = 1, math.min(returned, 64) do tokens[j] = '1' end
  redis.call('RPUSH', KEYS[4], unpack(tokens))
  redis.call('LTRIM', KEYS[4], -64, -1)
  return returned
end

local consumer = ARGV[1]
local candidates
if ARGV[2] == 'all' then
  candidates = redis.call('ZRANGE', KEYS[7], 0, -1)
  redis.call('ZREM', KEYS[6], consumer)
else
  candidates = {}
  for i = 3, #ARGV do candidates[#candidates + 1] = ARGV[i] end
end

local ids = {}
for _, id in ipairs(candidates) do
  if redis.call('HGET', KEYS[8], id) == consumer then ids[#ids + 1] = id end
end
local released = put_back(ids)
if released > 0 then
  local pttl = redis.call('PTTL', KEYS[1])
  if pttl > 0 then
    for _, key in ipairs({ KEYS[2], KEYS[4] }) do redis.call('PEXPIRE', key, pttl) end
  end
end
return released
