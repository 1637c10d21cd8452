-- store-lock-release-1.lua: compare-and-delete of a RedisStore lock (on close, and for `resolute unlock`).
--
-- KEYS[1]  the store lock (a string: the holder's JSON)
--
-- ARGV[1]  the lock value expected there (ours on close; the one inspected by unlock)
--
-- Returns 1 when the lock held ARGV[1] and was deleted, 0 when it held something else or nothing (left alone).

if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
