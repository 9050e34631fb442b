-- Appends values to a list and refreshes its TTL.
-- KEYS[1] the list
-- ARGV[1] TTL in ms
-- ARGV[2..] the values
-- Returns the length of the list after the append.
local length = redis.call('RPUSH', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return length
