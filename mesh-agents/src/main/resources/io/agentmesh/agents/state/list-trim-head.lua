-- Drops the first k values of a list and optionally puts one value (a summary) in their place,
-- provided the head is still the one the caller read (a concurrent trim changes it).
-- KEYS[1] the list
-- ARGV[1] TTL in ms
-- ARGV[2] the expected head value
-- ARGV[3] k, how many values to drop
-- ARGV[4] optional value to push at the head
-- Returns 1 when trimmed, 0 when the head had changed.
if redis.call('LINDEX', KEYS[1], 0) ~= ARGV[2] then
  return 0
end
redis.call('LTRIM', KEYS[1], tonumber(ARGV[3]), -1)
if ARGV[4] ~= nil then
  redis.call('LPUSH', KEYS[1], ARGV[4])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
