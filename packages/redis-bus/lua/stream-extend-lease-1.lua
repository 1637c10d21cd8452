-- Extends a consumer's lease on entries it is still handling: resets their idle time to 0 so XAUTOCLAIM by another
-- consumer (which claims entries idle for longer than the lease) leaves them alone. Only entries this consumer still
-- owns are touched: one another consumer already claimed stays with it (never stolen back).
-- KEYS[1]  the stream
-- ARGV[1]  the consumer group
-- ARGV[2]  the consumer
-- ARGV[3]  the first id of the batch, ARGV[4] the last id, ARGV[5] the batch size
-- returns  the number of entries whose lease was extended
local owned = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[2])
if #owned == 0 then return 0 end
-- XCLAIM key group consumer 0 <ids...> JUSTID (unpack() expands fully only as the last argument: build the list)
local args = { 'XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0 }
for i = 1, #owned do args[#args + 1] = owned[i][1] end
args[#args + 1] = 'JUSTID'
redis.call(unpack(args))
return #owned
