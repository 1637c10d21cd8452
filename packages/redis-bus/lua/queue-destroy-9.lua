--[[ queue-destroy-9: deletes a queue and everything in it, at once (busmq's close): messages, metadata, attachers.
KEYS: the nine queue keys (see queue-attach-9.lua): 1 meta 2 list 3 msgs 4 notify 5 attachers 6 consumers
  7 processing 8 owners 9 deliveries
ARGV: none
Returns: 1 when the queue existed, else 0.
]]
local existed = redis.call('EXISTS', KEYS[1])
redis.call('DEL', unpack(KEYS))
return existed
