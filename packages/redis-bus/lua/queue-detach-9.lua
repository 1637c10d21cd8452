--[[ queue-detach-9: removes one attacher; when no live attacher remains, every key of the queue expires after the ttl.
KEYS: the nine queue keys (see queue-attach-9.lua): 1 meta 2 list 3 msgs 4 notify 5 attachers 6 consumers
  7 processing 8 owners 9 deliveries
ARGV: 1 attacher id, 2 ttl ms
Returns: the number of live attachers left (0 = the queue now expires after the ttl unless re-attached).
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
local live = redis.call('ZCARD', KEYS[5])
if live == 0 then
  for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2])) end
end
return live
