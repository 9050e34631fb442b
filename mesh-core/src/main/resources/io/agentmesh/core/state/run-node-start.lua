-- Records that a node started on a run: promotes the status, counts the attempt; records nothing
-- when someone asked to cancel the run.
-- KEYS[1] the run record hash
-- ARGV[1] TTL in ms
-- ARGV[2] the status field, ARGV[3] the status to promote from, ARGV[4] the status to promote to
-- ARGV[5] the attempts field of the node
-- ARGV[6] the cancel-requested field (cancelled when it holds '1')
-- ARGV[7..] field, value pairs to set (start time, updated time)
-- Returns the node's attempt count after this start, or 0 when the run was cancelled.
if redis.call('HGET', KEYS[1], ARGV[6]) == '1' then
  return 0
end
if redis.call('HGET', KEYS[1], ARGV[2]) == ARGV[3] then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[4])
end
for i = 7, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
local attempts = redis.call('HINCRBY', KEYS[1], ARGV[5], 1)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return attempts
