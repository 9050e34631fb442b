-- Compare-and-set of a run's shared state.
-- KEYS[1] the state hash
-- ARGV[1] TTL in ms
-- ARGV[2] the expected version (0: no state yet)
-- ARGV[3] the new value
-- ARGV[4] the version field, ARGV[5] the value field
-- Returns {1, new version} when set, {0, current version} on a conflict.
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[4]) or '0')
if current ~= tonumber(ARGV[2]) then
  return {0, current}
end
redis.call('HSET', KEYS[1], ARGV[4], current + 1, ARGV[5], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return {1, current + 1}
