--[[ queue-attach-9: registers one attacher of a queue and keeps every key of the queue alive while it is attached.
KEYS (every queue script takes the same nine, all under the queue's hash tag):
  1 meta (hash: ttl, created, seq, m:<user key>)   2 list (list of waiting ids, head = next)
  3 msgs (hash id -> body)                          4 notify (list of wake-up tokens for blocked consumers)
  5 attachers (zset attacher id -> lease deadline)  6 consumers (zset consumer id -> liveness deadline)
  7 processing (zset id -> lease deadline)          8 owners (hash id -> consumer id)
  9 deliveries (hash id -> times delivered)
ARGV: 1 attacher id, 2 liveness ms (how long the attachment lives without a heartbeat), 3 ttl ms
Returns: 1 when the queue existed before this call, 0 when this call created it.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local liveness = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])

local existed = redis.call('EXISTS', KEYS[1])
redis.call('HSET', KEYS[1], 'ttl', ttl)
if existed == 0 then redis.call('HSET', KEYS[1], 'created', now) end
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
redis.call('ZADD', KEYS[5], now + liveness, ARGV[1])
for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], liveness + ttl) end
return existed
