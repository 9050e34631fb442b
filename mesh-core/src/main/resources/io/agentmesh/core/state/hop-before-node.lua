-- What a hop does in Redis before its node runs, in one step: records the node's start on the run
-- record (unless the run was cancelled or the task is not its run's own) and reads the node's
-- checkpoint for this input and the run's shared state.
-- KEYS[1] the run record hash, KEYS[2] the checkpoint hash, KEYS[3] the run state hash
-- ARGV[1] TTL in ms
-- ARGV[2] the status field, ARGV[3] the status to promote from, ARGV[4] the status to promote to
-- ARGV[5] the attempts field of the node
-- ARGV[6] the cancel-requested field (cancelled when it holds '1')
-- ARGV[7] the origin field, ARGV[8] the task's origin, or '' when the hop is not a task; a task
--         whose origin is not the record's (another task started the run) records nothing
-- ARGV[9] the state's version field, ARGV[10] the state's value field
-- ARGV[11..] field, value pairs to set on the run record (start time, updated time)
-- Returns {-1} for a task that is not its run's own, {0} for a cancelled run, else
-- {attempts, checkpoint fields and values (empty when none), state version, state value}.
-- one read of the fields the checks need and one write of the fields the start sets, the
-- attempt count among them (the script runs alone, so nothing changes it in between)
local run = redis.call('HMGET', KEYS[1], ARGV[7], ARGV[6], ARGV[2], ARGV[5])
if ARGV[8] ~= '' and run[1] ~= ARGV[8] then
  return {-1}
end
if run[2] == '1' then
  return {0}
end
local attempts = (tonumber(run[4]) or 0) + 1
if run[3] == ARGV[3] then
  redis.call('HSET', KEYS[1], ARGV[5], attempts, ARGV[2], ARGV[4], unpack(ARGV, 11))
else
  redis.call('HSET', KEYS[1], ARGV[5], attempts, unpack(ARGV, 11))
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
local state = redis.call('HMGET', KEYS[3], ARGV[9], ARGV[10])
return {attempts, redis.call('HGETALL', KEYS[2]), state[1], state[2]}
