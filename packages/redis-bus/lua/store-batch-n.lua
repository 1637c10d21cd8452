-- store-batch-n.lua: applies one RedisStore batch, all of it or none of it, leaving every key as applying its
-- operations in order would. Its number of keys varies (the n): 2, plus 2 per namespace the batch touches.
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
-- then for each namespace i = 1..N, in the order of their KEYS:
--   its name; R, how many arguments its records take (decimal); then those R arguments: the batch's operations on
--   namespace i, in order, packed as records (integers unsigned 32-bit little-endian; no record spans two arguments):
--     put:    'p', key length, key, value length, value
--     delete: 'd', key length, key
--
-- Returns
--   {'OK', 0}                  applied
--   {'OK', 1}                  applied; the lock had expired (nobody held it) and was taken again first
--   {'LOCKED', holder}         another instance holds the lock (its JSON): nothing applied
--   {'WRONGTYPE', key, type}   one of the keys holds another type (something else wrote it): nothing applied
--   an error reply             a check failed otherwise (the server's own error): nothing applied
--
-- Nothing is written before every check passed, and the checks cover every refusal we can foresee. Out of memory
-- (OOM) or disk errors (MISCONF) are refused by the server at the first write command, before anything was applied.
-- Operations on different namespaces touch different keys, so only their order within a namespace matters: each
-- run of puts (or of deletes) in a row on one namespace is written by one ZADD and one HSET (ZREM, HDEL).

local n = tonumber(ARGV[3])

-- Type checks, in KEYS order, with commands that answer a number (or the lock's value) for a missing key or one of the
-- right type and WRONGTYPE for any other: cheaper than TYPE, whose status answer becomes a table. TYPE only names
-- what was found.
local function refused(reply, i)
  if type(reply) ~= 'table' or not reply.err then return nil end
  if string.sub(reply.err, 1, 9) ~= 'WRONGTYPE' then return reply end
  return {'WRONGTYPE', KEYS[i], redis.call('TYPE', KEYS[i]).ok}
end
local refusal = refused(redis.pcall('SCARD', KEYS[1]), 1)
if refusal then return refusal end
local holder = redis.pcall('GET', KEYS[2])
refusal = refused(holder, 2)
if refusal then return refusal end
-- had[i]: how many keys namespace i holds before the batch.
local had = {}
for i = 1, n do
  had[i] = redis.pcall('ZCARD', KEYS[2 * i + 1])
  refusal = refused(had[i], 2 * i + 1) or refused(redis.pcall('HLEN', KEYS[2 * i + 2]), 2 * i + 2)
  if refusal then return refusal end
end

local retaken = 0
if holder ~= ARGV[1] then
  if holder then return {'LOCKED', holder} end
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
  retaken = 1
end

local PUT = 112 -- 'p'
local byte, read = string.byte, struct.unpack
-- The arguments of the run being gathered, reused from run to run (only the first zn and hn count).
local z, h, zn, hn = {}, {}, 0, 0

-- Writes the run gathered (of `kind`, PUT or not, or nothing when nil); returns how many keys it added to the sorted
-- set (ZADD counts those, not the ones it only updated) less those it removed.
local function write(kind, zset, hash)
  local change = 0
  if kind == PUT then
    change = redis.call('ZADD', zset, unpack(z, 1, zn))
    redis.call('HSET', hash, unpack(h, 1, hn))
  elseif kind then
    change = -redis.call('ZREM', zset, unpack(z, 1, zn))
    redis.call('HDEL', hash, unpack(z, 1, zn))
  end
  zn, hn = 0, 0
  return change
end

local present, gone = {}, {}
local a = 4
for i = 1, n do
  local name, parts = ARGV[a], tonumber(ARGV[a + 1])
  local zset, hash = KEYS[2 * i + 1], KEYS[2 * i + 2]
  local held, kind = had[i], nil
  for part = a + 2, a + 1 + parts do
    local records = ARGV[part]
    local at, size = 1, #records
    while at <= size do
      local op, key, value = byte(records, at)
      -- A new run at each change of kind; a long run goes in pieces (Lua's unpack stops at 8000 values).
      if op ~= kind or zn >= 4000 then
        held = held + write(kind, zset, hash)
        kind = op
      end
      if op == PUT then
        key, value, at = read('<I4c0I4c0', records, at + 1)
        -- The score as a string: a number would be formatted with sprintf for every member.
        z[zn + 1], z[zn + 2], zn = '0', key, zn + 2
        h[hn + 1], h[hn + 2], hn = key, value, hn + 2
      else
        key, at = read('<I4c0', records, at + 1)
        z[zn + 1], zn = key, zn + 1
      end
    end
  end
  held = held + write(kind, zset, hash)
  if held > 0 then present[#present + 1] = name else gone[#gone + 1] = name end
  a = a + 2 + parts
end
for first = 1, #present, 4000 do redis.call('SADD', KEYS[1], unpack(present, first, math.min(first + 3999, #present))) end
for first = 1, #gone, 4000 do redis.call('SREM', KEYS[1], unpack(gone, first, math.min(first + 3999, #gone))) end

return {'OK', retaken}
