-- Acknowledges entries a consumer group has handled and, on a stream read by one group only (an endpoint's
-- commands), deletes them in the same step so the stream holds only what is not yet handled.
-- KEYS[1]  the stream
-- ARGV[1]  the consumer group
-- ARGV[2]  "1": also XDEL the entries (single-group stream); "0": only XACK (topic streams are trimmed instead)
-- ARGV[3..] entry ids
-- returns  the number of entries acknowledged (ids already acknowledged or unknown are not counted)
local ids = {}
for i = 3, #ARGV do ids[#ids + 1] = ARGV[i] end
if #ids == 0 then return 0 end
local acked = redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
if ARGV[2] == '1' then redis.call('XDEL', KEYS[1], unpack(ids)) end
return acked
