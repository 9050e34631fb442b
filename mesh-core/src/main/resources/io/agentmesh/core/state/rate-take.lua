-- Takes one token from a caller's token bucket, shared by every gateway on this Redis.
-- KEYS[1] the caller's bucket (a hash: tokens, ts)
-- ARGV[1] tokens added per second (> 0)
-- ARGV[2] burst: the most tokens the bucket holds (>= 1)
-- ARGV[3] now in microseconds since the epoch, or '' for this server's clock (TIME)
-- Returns {1, 0} when a token was taken, else {0, microseconds until one will be free}.
-- A bucket left alone until it is full again equals no bucket, so the key expires then.
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now
if ARGV[3] == '' then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000000 + tonumber(time[2])
else
  now = tonumber(ARGV[3])
end
local held = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(held[1])
local ts = tonumber(held[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
if now > ts then
  -- a clock behind the last call adds nothing (and takes nothing back)
  tokens = tokens + (now - ts) * rate / 1000000
  ts = now
end
if tokens > burst then
  tokens = burst
end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) * 1000000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.0f', ts))
redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((burst - tokens) * 1000 / rate)))
return {allowed, wait}
