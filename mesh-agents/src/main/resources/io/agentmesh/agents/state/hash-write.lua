-- Writes field/value pairs into a hash and refreshes its TTL, atomically.
-- KEYS[1] the hash
-- ARGV[1] TTL in ms
-- ARGV[2] guard field: when not empty and already present, nothing is written
-- ARGV[3..] field, value, field, value, ...
-- Returns 1 when written, 0 when the guard field was present.
if ARGV[2] ~= '' and redis.call('HEXISTS', KEYS[1], ARGV[2]) == 1 then
  return 0
end
for i = 3, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
