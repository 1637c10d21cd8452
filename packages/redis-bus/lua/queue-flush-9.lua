--[[ queue-flush-9: empties a queue: waiting messages and messages leased to consumers (their acks then return 0).
The queue itself, its attachers, consumers, metadata and id sequence stay.
KEYS: the nine queue keys (see queue-attach-9.lua): 1 meta 2 list 3 msgs 4 notify 5 attachers 6 consumers
  7 processing 8 owners 9 deliveries
ARGV: none
Returns: the number of messages removed (waiting + leased).
]]
local removed = redis.call('LLEN', KEYS[2]) + redis.call('ZCARD', KEYS[7])
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[7], KEYS[8], KEYS[9])
return removed
