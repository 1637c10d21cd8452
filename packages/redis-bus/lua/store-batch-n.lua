-- store-batch-n.lua: applies one RedisStore batch, in order, all of it or none of it. Its number of keys varies
-- (the n): 2, plus 2 per namespace the batch touches.
--
-- Every key below shares the store's hash tag ({store:<name>}), so on a Redis Cluster they live in one slot and this
-- script runs on one node. All keys it touches are declared in KEYS, so the server checks the slot (MOVED, ASK,
-- TRYAGAIN) before running anything.
--
-- KEYS[1]              the set of namespaces that hold at least one key           <prefix>:{store:<name>}:namespaces
-- KEYS[2]              the store lock (a string: the holder's JSON)               <prefix>:{store:<name>}:lock
-- KEYS[2i+1], KEYS[2i+2]  namespace i's sorted set (members: keys, every score 0) and hash (key -> value), i = 1..N
--
-- ARGV[1]              this instance's lock value, exactly as it SET it
-- ARGV[2]              the lock's time to live in ms, used when the lock had expired and is taken again
-- ARGV[3]              N, the number of namespaces
-- ARGV[4 .. 3+N]       the namespace names, in the order of their KEYS
-- ARGV[4+N ..]         the operations, in order: 'p', i, key, value (put) | 'd', i, key (delete); i is the namespace
--
-- Returns
--   {'OK', 0}                  applied
--   {'OK', 1}                  applied; the lock had expired (nobody held it) and was taken again first
--   {'LOCKED', holder}         another instance holds the lock (its JSON): nothing applied
--   {'WRONGTYPE', key, type}   one of the keys holds another type (something else wrote it): nothing applied
--
-- Nothing is written before every check passed, and the checks cover every refusal we can foresee. Out of memory
-- (OOM) or disk errors (MISCONF) are refused by the server at the first write command, before anything was applied.

local n = tonumber(ARGV[3])

for i = 1, #KEYS do
  local want
  if i == 1 then want = 'set' elseif i == 2 then want = 'string' elseif i % 2 == 1 then want = 'zset' else want = 'hash' end
  local found = redis.call('TYPE', KEYS[i]).ok
  if found ~= 'none' and found ~= want then return {'WRONGTYPE', KEYS[i], found} end
end

local holder = redis.call('GET', KEYS[2])
local retaken = 0
if holder ~= ARGV[1] then
  if holder then return {'LOCKED', holder} end
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
  retaken = 1
end

local a = 4 + n
while a <= #ARGV do
  local i = tonumber(ARGV[a + 1])
  local zset, hash, key = KEYS[2 * i + 1], KEYS[2 * i + 2], ARGV[a + 2]
  if ARGV[a] == 'p' then
    redis.call('ZADD', zset, 0, key)
    redis.call('HSET', hash, key, ARGV[a + 3])
    a = a + 4
  else
    redis.call('ZREM', zset, key)
    redis.call('HDEL', hash, key)
    a = a + 3
  end
end

for i = 1, n do
  if redis.call('EXISTS', KEYS[2 * i + 1]) == 1 then
    redis.call('SADD', KEYS[1], ARGV[3 + i])
  else
    redis.call('SREM', KEYS[1], ARGV[3 + i])
  end
end

return {'OK', retaken}
