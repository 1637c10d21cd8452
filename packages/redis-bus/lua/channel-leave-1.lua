--[[ channel-leave-1: removes this party's presence, only if it is still this party's (a successor may own the role).
KEYS: 1 this role's presence key
ARGV: 1 this party's id
Returns: 1 when removed, 0 when the presence was not ours (or had lapsed).
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
