--[[ queue-ack-9: completes messages a consumer took in reliable mode: they leave the queue for good.
KEYS: the nine queue keys (see queue-attach-9.lua): 1 meta 2 list 3 msgs 4 notify 5 attachers 6 consumers
  7 processing 8 owners 9 deliveries
ARGV: 1 consumer id, 2.. message ids
Returns: one integer per id: 1 = acked, 0 = not leased to this consumer any more (its lease lapsed or its consumer
  was declared dead, so it was put back for another consumer; or the queue was flushed).
]]
local out = {}
for i = 2, #ARGV do
  local id = ARGV[i]
  if redis.call('HGET', KEYS[8], id) == ARGV[1] then
    redis.call('ZREM', KEYS[7], id)
    redis.call('HDEL', KEYS[8], id)
    redis.call('HDEL', KEYS[3], id)
    redis.call('HDEL', KEYS[9], id)
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
