-- Reopens a failed run (after its dead letter was redriven): status back to RUNNING, error and
-- finish time cleared, TTL refreshed. Only a run whose status is the expected one is touched.
-- KEYS[1] the run record hash
-- ARGV[1] TTL in ms
-- ARGV[2] the status field
-- ARGV[3] the status a run must have to be reopened
-- ARGV[4] the status it gets
-- ARGV[5] the updated-at field, ARGV[6] its value
-- ARGV[7 ..] fields to delete (error, finish time, origin)
-- Returns 1 when the run was reopened, 0 otherwise (no record, or another status).
if redis.call('HGET', KEYS[1], ARGV[2]) ~= ARGV[3] then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[4], ARGV[5], ARGV[6])
for i = 7, #ARGV do
  redis.call('HDEL', KEYS[1], ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
