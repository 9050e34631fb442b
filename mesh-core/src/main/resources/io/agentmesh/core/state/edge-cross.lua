-- Records one crossing of a bounded edge by one input, once: a repeated input gets its first ordinal.
-- KEYS[1] the run's crossings of the edge (hash: input id -> ordinal)
-- ARGV[1] TTL in ms
-- ARGV[2] input id of the hop that crosses
-- Returns the crossing's ordinal, from 1.
local seen = redis.call('HGET', KEYS[1], ARGV[2])
if seen then
  return tonumber(seen)
end
local ordinal = redis.call('HLEN', KEYS[1]) + 1
redis.call('HSET', KEYS[1], ARGV[2], ordinal)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return ordinal
