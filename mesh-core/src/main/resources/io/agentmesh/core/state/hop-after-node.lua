-- What a hop does in Redis after its node ran, in one step: records the node's output for this
-- input unless one is recorded (the first is kept), charges the run's tokens, and reads the run
-- record when the node may end the run.
-- KEYS[1] the run record hash, KEYS[2] the checkpoint hash
-- ARGV[1] TTL in ms
-- ARGV[2] the tokens field of the run record, ARGV[3] the tokens to charge (0: none)
-- ARGV[4] the run record's updated-at field, ARGV[5] now
-- ARGV[6] '1' to return the run record, else ''
-- ARGV[7] the checkpoint's guard field (present: a checkpoint is recorded)
-- ARGV[8..] the checkpoint's field, value pairs
-- Returns {the run's tokens after the charge (0 when none was charged), the run record's fields
-- and values (empty unless asked for)}.
if redis.call('HEXISTS', KEYS[2], ARGV[7]) == 0 then
  for i = 8, #ARGV, 2 do
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  end
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
end
local tokens = 0
if tonumber(ARGV[3]) > 0 then
  redis.call('HSET', KEYS[1], ARGV[4], ARGV[5])
  tokens = redis.call('HINCRBY', KEYS[1], ARGV[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local run = {}
if ARGV[6] == '1' then
  run = redis.call('HGETALL', KEYS[1])
end
return {tokens, run}
