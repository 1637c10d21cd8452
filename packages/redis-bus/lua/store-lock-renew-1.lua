-- store-lock-renew-1.lua: compare-and-renew of a RedisStore lock, run by its holder on a timer.
--
-- KEYS[1]  the store lock (a string: the holder's JSON)
--
-- ARGV[1]  this instance's lock value, exactly as it SET it
-- ARGV[2]  the lock's time to live in ms
--
-- Returns
--   {1}          still ours: its time to live starts again
--   {2}          it had expired and nobody took it (a long pause, or Redis restarted): taken again
--   {0, holder}  another instance holds it now (its JSON): left alone

local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1}
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {2}
end
return {0, holder}
