-- Sets some fields, increments others, refreshes the TTL: one atomic step.
-- KEYS[1] the hash
-- ARGV[1] TTL in ms
-- ARGV[2] n, the number of field/value pairs to set that follow
-- ARGV[3 .. 2+2n] field, value pairs to HSET
-- ARGV[3+2n ..] field, increment pairs to HINCRBY
-- Returns the new values of the incremented fields, in order.
local n = tonumber(ARGV[2])
local i = 3
for _ = 1, n do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  i = i + 2
end
local out = {}
while i <= #ARGV do
  out[#out + 1] = redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
  i = i + 2
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return out
