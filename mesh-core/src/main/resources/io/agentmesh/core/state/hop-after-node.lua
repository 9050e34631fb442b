-- What a hop does in Redis after its node ran, in one step: records the node's output for this
-- input unless one is recorded (the first is kept) and, with it, the node's finish on the run
-- record (times and tokens, so they count once per input however often it is handled); charges
-- the tokens to the run's budget; and reads the run record when the node may end the run.
-- KEYS[1] the run record hash, KEYS[2] the checkpoint hash
-- ARGV[1] TTL in ms
-- ARGV[2] '1' to return the run record, else ''
-- ARGV[3] the run record's budget field, ARGV[4] the tokens to charge to it (0: none)
-- ARGV[5] the run record's updated-at field, ARGV[6] now
-- ARGV[7] the checkpoint's guard field (present: a checkpoint is recorded)
-- ARGV[8] s, the number of field/value pairs to set on the run record with a new checkpoint
-- ARGV[9] c, the number of field/increment pairs to add on the run record with a new checkpoint
-- ARGV[10 .. 9+2s] those field/value pairs, then 2c field/increment pairs, then the
--         checkpoint's field/value pairs
-- Returns {1 when this call recorded the checkpoint else 0, the budget counter after the charge
-- (0 when none was made), the run record's fields and values (empty unless asked for)}.
local sets = tonumber(ARGV[8])
local increments = tonumber(ARGV[9])
local checkpointAt = 10 + 2 * sets + 2 * increments
local recorded = 0
if redis.call('HEXISTS', KEYS[2], ARGV[7]) == 0 then
  redis.call('HSET', KEYS[2], unpack(ARGV, checkpointAt))
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
  -- the sums are read and written back with the other fields: two calls however many there are
  -- (the script runs alone, so nothing changes them in between)
  local write = {ARGV[5], ARGV[6], unpack(ARGV, 10, 9 + 2 * sets)}
  if increments > 0 then
    local names, adds = {}, {}
    for i = 10 + 2 * sets, checkpointAt - 1, 2 do
      names[#names + 1] = ARGV[i]
      adds[#adds + 1] = tonumber(ARGV[i + 1])
    end
    local current = redis.call('HMGET', KEYS[1], unpack(names))
    for j, name in ipairs(names) do
      write[#write + 1] = name
      write[#write + 1] = string.format('%d', (tonumber(current[j]) or 0) + adds[j])
    end
  end
  redis.call('HSET', KEYS[1], unpack(write))
  recorded = 1
end
local budget = 0
if tonumber(ARGV[4]) > 0 then
  budget = redis.call('HINCRBY', KEYS[1], ARGV[3], ARGV[4])
  if recorded == 0 then
    redis.call('HSET', KEYS[1], ARGV[5], ARGV[6])
  end
end
if recorded == 1 or budget > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local run = {}
if ARGV[2] == '1' then
  run = redis.call('HGETALL', KEYS[1])
end
return {recorded, budget, run}
