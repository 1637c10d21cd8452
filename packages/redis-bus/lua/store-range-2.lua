-- store-range-2.lua: one page of a namespace's entries, keys and values read together (one round trip, one snapshot).
--
-- KEYS[1]  the namespace's sorted set (members: keys, every score 0)
-- KEYS[2]  the namespace's hash (key -> value)
--
-- ARGV[1]  lower bound in ZRANGEBYLEX syntax: '[key' (inclusive), '(key' (exclusive) or '-' (none)
-- ARGV[2]  upper bound, same syntax, '+' for none
-- ARGV[3]  '1' for descending order, '0' for ascending
-- ARGV[4]  at most this many entries
-- ARGV[5]  stop early once the values returned hold this many bytes (at least one entry is always returned)
--
-- Returns {more, key1, value1, key2, value2, ...}: more is 1 when the page stopped at ARGV[4] entries or at the byte
-- budget (ask again after the last key returned), 0 when the range holds nothing more.

local keys
if ARGV[3] == '1' then
  keys = redis.call('ZREVRANGEBYLEX', KEYS[1], ARGV[2], ARGV[1], 'LIMIT', 0, ARGV[4])
else
  keys = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', 0, ARGV[4])
end

local out = {0}
if #keys >= tonumber(ARGV[4]) then out[1] = 1 end
local budget = tonumber(ARGV[5])
local bytes = 0
for i, key in ipairs(keys) do
  local value = redis.call('HGET', KEYS[2], key)
  -- Always present: store-batch-n.lua writes the sorted set and the hash together.
  if value then
    out[#out + 1] = key
    out[#out + 1] = value
    bytes = bytes + #value
    if bytes >= budget and i < #keys then
      out[1] = 1
      break
    end
  end
end
return out
