--[[ channel-heartbeat-3: renews this party's presence on a channel and reports on the other party's.
KEYS: 1 this role's presence key, 2 the remote role's presence key, 3 the channel's ended marker
ARGV: 1 this party's id, 2 liveness ms (the presence lapses this long after the last heartbeat)
Returns: { 1 if the remote party is present else 0, 1 if the channel was ended else 0 }
]]
redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
return { redis.call('EXISTS', KEYS[2]), redis.call('EXISTS', KEYS[3]) }
