-- store-lock-takeover-1.lua: compare-and-swap of a RedisStore lock, to take over the lock of a holder known to be dead
-- (a process of this host that no longer runs) without waiting for it to expire.
--
-- KEYS[1]  the store lock (a string: the holder's JSON)
--
-- ARGV[1]  the dead holder's lock value, as read
-- ARGV[2]  this instance's lock value
-- ARGV[3]  the lock's time to live in ms
--
-- Returns 1 when the lock now holds ARGV[2] (it held ARGV[1], or had expired meanwhile), 0 when another instance
-- took it in between (left alone).

local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] or not holder then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
