--[[ queue-heartbeat-9: renews an attacher (and its reliable consumer, if any), then reclaims messages whose lease
lapsed or whose consumer stopped heartbeating: they go back to the head of the queue, oldest first.
KEYS: the nine queue keys (see queue-attach-9.lua): 1 meta 2 list 3 msgs 4 notify 5 attachers 6 consumers
  7 processing 8 owners 9 deliveries
ARGV: 1 attacher id, 2 liveness ms, 3 ttl ms, 4 consumer id ('' = this attacher has no reliable consumer)
Returns: { reclaimed message count, live attacher count, 1 if the queue had vanished (expired or lost) and was
  re-created empty, else 0 }
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

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local liveness = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])

local recreated = 0
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'ttl', ttl, 'created', now)
  recreated = 1
end
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
redis.call('ZADD', KEYS[5], now + liveness, ARGV[1])
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[6], now + liveness, ARGV[4]) end

-- Messages to put back: lapsed leases, and everything held by consumers that stopped heartbeating.
local back = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[7], '-inf', now)) do back[id] = true end
local dead = redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', now)
if #dead > 0 then
  local isDead = {}
  for _, consumer in ipairs(dead) do isDead[consumer] = true end
  for _, consumer in ipairs(dead) do redis.call('ZREM', KEYS[6], consumer) end
  for _, id in ipairs(redis.call('ZRANGE', KEYS[7], 0, -1)) do
    local owner = redis.call('HGET', KEYS[8], id)
    if owner and isDead[owner] then back[id] = true end
  end
end

local ids = {}
for id in pairs(back) do ids[#ids + 1] = id end
local reclaimed = put_back(ids)

for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], liveness + ttl) end
return { reclaimed, redis.call('ZCARD', KEYS[5]), recreated }
