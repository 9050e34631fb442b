-- Compare-and-set of a run's shared state, optionally once per update id.
-- KEYS[1] the state hash
-- ARGV[1] TTL in ms
-- ARGV[2] the expected version (0: no state yet)
-- ARGV[3] the new value
-- ARGV[4] the version field, ARGV[5] the value field
-- ARGV[6] optional: the field recording that this update was applied; when it exists already
--         nothing is written (a redelivered update counts once)
-- Returns {1, new version} when set, {0, current version} on a conflict,
-- {2, current version} when the update had been applied before.
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[4]) or '0')
if ARGV[6] ~= nil and redis.call('HEXISTS', KEYS[1], ARGV[6]) == 1 then
  return {2, current}
end
if current ~= tonumber(ARGV[2]) then
  return {0, current}
end
if ARGV[6] ~= nil then
  redis.call('HSET', KEYS[1], ARGV[4], current + 1, ARGV[5], ARGV[3], ARGV[6], '1')
else
  redis.call('HSET', KEYS[1], ARGV[4], current + 1, ARGV[5], ARGV[3])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return {1, current + 1}
