-- Admits a task for a run at ingress: creates the run record when there is none, and tells a
-- redelivery of the task that started the run from a second task naming the same run id.
-- KEYS[1] the run record hash
-- ARGV[1] TTL in ms
-- ARGV[2] the status field, ARGV[3] the status of a new run
-- ARGV[4] the graph field, ARGV[5] this task's graph
-- ARGV[6] the graph-version field, ARGV[7] its value
-- ARGV[8] the created-at field, ARGV[9] the updated-at field, ARGV[10] now
-- ARGV[11] the origin field, ARGV[12] this task's origin (topic/partition@offset)
-- ARGV[13..] field, value pairs of the task's metadata, written with the origin (none: no pairs)
-- Returns {verdict, detail}: {'new', ''} record created; {'claimed', ''} a record without origin
-- (written by a gateway before it published) now has this one; {'same', ''} the task that
-- started the run, delivered again; {'duplicate', origin} another task started this run;
-- {'other-graph', graph} the run id names a run of another graph.
if redis.call('HEXISTS', KEYS[1], ARGV[2]) == 0 then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7],
      ARGV[8], ARGV[10], ARGV[9], ARGV[10], ARGV[11], ARGV[12])
  if #ARGV > 12 then
    redis.call('HSET', KEYS[1], unpack(ARGV, 13))
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  return {'new', ''}
end
local graph = redis.call('HGET', KEYS[1], ARGV[4])
if graph and graph ~= ARGV[5] then
  return {'other-graph', graph}
end
local origin = redis.call('HGET', KEYS[1], ARGV[11])
if not origin then
  redis.call('HSET', KEYS[1], ARGV[11], ARGV[12])
  if #ARGV > 12 then
    redis.call('HSET', KEYS[1], unpack(ARGV, 13))
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  return {'claimed', ''}
end
if origin == ARGV[12] then
  return {'same', ''}
end
return {'duplicate', origin}
