--[[ queue-take-9: takes up to `count` messages from the head of a queue.
KEYS: the nine queue keys (see queue-attach-9.lua): 1 meta 2 list 3 msgs 4 notify 5 attachers 6 consumers
  7 processing 8 owners 9 deliveries
ARGV: 1 mode: 'reliable' (each message moves to processing, leased to the consumer until acked) or 'remove'
  (each message is deleted as it is taken: at most once), 2 count, 3 consumer id, 4 lease ms, 5 liveness ms
Returns: a flat array id1, body1, attempt1, id2, body2, attempt2, ... (empty when the queue is empty). attempt is 1
  on a message's first delivery and grows each time a lapsed lease puts it back.
When the queue is left empty the wake-up tokens are dropped: they could only wake consumers to find nothing.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local reliable = ARGV[1] == 'reliable'
local consumer = ARGV[3]

local out = {}
local ids = redis.call('LPOP', KEYS[2], tonumber(ARGV[2]))
if ids then
  for _, id in ipairs(ids) do
    local body = redis.call('HGET', KEYS[3], id)
    if body then
      local attempt = redis.call('HINCRBY', KEYS[9], id, 1)
      if reliable then
        redis.call('ZADD', KEYS[7], now + tonumber(ARGV[4]), id)
        redis.call('HSET', KEYS[8], id, consumer)
      else
        redis.call('HDEL', KEYS[3], id)
        redis.call('HDEL', KEYS[9], id)
      end
      out[#out + 1] = id
      out[#out + 1] = body
      out[#out + 1] = attempt
    end
  end
end
if reliable then redis.call('ZADD', KEYS[6], now + tonumber(ARGV[5]), consumer) end
if redis.call('LLEN', KEYS[2]) == 0 then redis.call('DEL', KEYS[4]) end

local pttl = redis.call('PTTL', KEYS[1])
if pttl > 0 then
  for _, key in ipairs({ KEYS[6], KEYS[7], KEYS[8], KEYS[9] }) do redis.call('PEXPIRE', key, pttl) end
end
return out
