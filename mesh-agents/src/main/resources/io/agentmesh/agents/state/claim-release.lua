-- Deletes a claim only when the caller still owns it.
-- KEYS[1] the claim key
-- ARGV[1] the owner
-- Returns 1 when released, 0 when the claim was gone or owned by another.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
