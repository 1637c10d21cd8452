--[[ queue-peek-9: reads waiting messages without taking them, in queue order, after a cursor.
KEYS: the nine queue keys (see queue-attach-9.lua): 1 meta 2 list 3 msgs 4 notify 5 attachers 6 consumers
  7 processing 8 owners 9 deliveries
ARGV: 1 cursor: the largest id already read (0 at first), 2 hint: the list index the previous call stopped at
  (0 at first), 3 count
Returns: { next hint, id1, body1, id2, body2, ... }: up to `count` messages with ids above the cursor.
The hint makes a read O(count) while nothing is removed in front of it; when the list moved under it (a removing
consumer, a flush), the scan restarts from the head, skipping ids at or below the cursor, so nothing is read twice.
]]
local cursor = tonumber(ARGV[1])
local hint = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local len = redis.call('LLEN', KEYS[2])

local index = 0
if hint > 0 and hint <= len then
  local before = redis.call('LINDEX', KEYS[2], hint - 1)
  if before and tonumber(before) <= cursor then index = hint end
end

local out = { 0 }
local found = 0
while index < len and found < count do
  local chunk = redis.call('LRANGE', KEYS[2], index, index + 99)
  if #chunk == 0 then break end
  for _, id in ipairs(chunk) do
    index = index + 1
    if tonumber(id) > cursor then
      local body = redis.call('HGET', KEYS[3], id)
      if body then
        out[#out + 1] = id
        out[#out + 1] = body
        found = found + 1
        cursor = tonumber(id)
        if found >= count then break end
      end
    end
  end
end
out[1] = index
return out
