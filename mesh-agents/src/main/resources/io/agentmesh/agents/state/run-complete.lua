-- Moves a run to a terminal status, once: only from a status that is not terminal.
-- KEYS[1] the run record hash
-- ARGV[1] TTL in ms
-- ARGV[2] the status field
-- ARGV[3] t, the number of terminal statuses that follow
-- ARGV[4 .. 3+t] the terminal statuses
-- ARGV[4+t ..] field, value pairs to set (the new status among them)
-- Returns 1 when this call made the transition, 0 when the run was already terminal.
local status = redis.call('HGET', KEYS[1], ARGV[2])
local t = tonumber(ARGV[3])
for i = 4, 3 + t do
  if status == ARGV[i] then
    return 0
  end
end
for i = 4 + t, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
