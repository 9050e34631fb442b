-- Appends values to a list once per append id, and refreshes the TTL of the list and of the ids.
-- KEYS[1] the list
-- KEYS[2] the set of append ids already applied to that list
-- ARGV[1] TTL in ms
-- ARGV[2] the append id
-- ARGV[3..] the values
-- Returns {1, length after the append}, or {0, length} when the id was applied before.
if redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 1 then
  return {0, redis.call('LLEN', KEYS[1])}
end
local length = redis.call('LLEN', KEYS[1])
if #ARGV > 2 then
  length = redis.call('RPUSH', KEYS[1], unpack(ARGV, 3))
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return {1, length}
