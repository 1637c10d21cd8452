--[[ queue-push-9: appends messages at the tail of a queue, in ARGV order, and wakes blocked consumers.
KEYS: the nine queue keys (see queue-attach-9.lua): 1 meta 2 list 3 msgs 4 notify 5 attachers 6 consumers
  7 processing 8 owners 9 deliveries
ARGV: 1 ttl ms used when the queue has none yet, 2.. message bodies (binary safe)
Returns: the id of the first message; the others follow (first + 1, first + 2, ...). Ids are the queue's own
  sequence, so they sort in push order.
The touched keys keep their expiry, and live at least the queue's ttl from now: a push never shortens a queue's life.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #ARGV - 1

if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'ttl', ARGV[1], 'created', now)
end
local ttl = tonumber(redis.call('HGET', KEYS[1], 'ttl') or ARGV[1])
local first = redis.call('HINCRBY', KEYS[1], 'seq', n) - n + 1
local ids = {}
for i = 1, n do
  local id = tostring(first + i - 1)
  redis.call('HSET', KEYS[3], id, ARGV[i + 1])
  ids[i] = id
end
redis.call('RPUSH', KEYS[2], unpack(ids))

local tokens = {}
for i = 1, math.min(n, 64) do tokens[i] = '1' end
redis.call('RPUSH', KEYS[4], unpack(tokens))
redis.call('LTRIM', KEYS[4], -64, -1)

local pttl = redis.call('PTTL', KEYS[1])
if pttl < ttl then pttl = ttl end
for _, key in ipairs({ KEYS[1], KEYS[2], KEYS[3], KEYS[4] }) do redis.call('PEXPIRE', key, pttl) end
return first
