-- Hands a stopping consumer's unacknowledged entries back: they stay in the group's pending list, owned by this
-- consumer, but with an idle time past the lease, so the next XAUTOCLAIM by any live consumer takes them at once
-- instead of after the lease.
-- KEYS[1]  the stream
-- ARGV[1]  the consumer group
-- ARGV[2]  the consumer
-- ARGV[3]  the idle time to set, in ms (the lease)
-- ARGV[4]  the most entries to release
-- returns  the number of entries released
local owned = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', tonumber(ARGV[4]), ARGV[2])
if #owned == 0 then return 0 end
-- XCLAIM key group consumer 0 <ids...> IDLE <ms> JUSTID (unpack() expands fully only as the last argument)
local args = { 'XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0 }
for i = 1, #owned do args[#args + 1] = owned[i][1] end
args[#args + 1] = 'IDLE'
args[#args + 1] = tonumber(ARGV[3])
args[#args + 1] = 'JUSTID'
redis.call(unpack(args))
return #owned
