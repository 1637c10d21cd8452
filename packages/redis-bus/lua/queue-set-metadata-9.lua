--[[ queue-set-metadata-9: sets one metadata field of an existing queue (it lives and expires with the queue).
KEYS: the nine queue keys (see queue-attach-9.lua): 1 meta 2 list 3 msgs 4 notify 5 attachers 6 consumers
  7 processing 8 owners 9 deliveries
ARGV: 1 field (stored as m:<field>), 2 value
Returns: 1 when set, 0 when the queue does not exist (attach or push first).
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'm:' .. ARGV[1], ARGV[2])
return 1
