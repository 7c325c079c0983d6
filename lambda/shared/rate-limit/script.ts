import { createHash } from 'crypto';

/**
 * GCRA (generic cell rate algorithm) in one atomic Lua script: one round trip
 * per request, no read-modify-write race between concurrent Lambdas.
 *
 * State per bucket is one key holding the theoretical arrival time (TAT) in
 * microseconds of the server clock (`TIME`), so Lambda clocks never matter.
 * With `interval = window / limit` and `tau = interval * limit`, exactly `limit`
 * requests pass in a burst and the budget refills one request every `interval`.
 *
 * KEYS[1] bucket key; ARGV[1] emission interval (whole microseconds, >= 1);
 * ARGV[2] limit (burst capacity); ARGV[3] cost of this request.
 * Returns { allowed (0|1), remaining, retryAfterUs, resetUs } (integers).
 */
export const GCRA_SCRIPT = `local interval = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then tat = now end
local tau = interval * limit
local new_tat = tat + interval * cost
local allow_at = new_tat - tau
if allow_at > now then
  return {0, 0, allow_at - now, tat - now}
end
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000))
return {1, math.floor((now - allow_at) / interval), 0, new_tat - now}
`;

/** SHA-1 of {@link GCRA_SCRIPT}, the name `EVALSHA` calls it by (computed locally: no round trip). */
export const GCRA_SCRIPT_SHA1 = createHash('sha1').update(GCRA_SCRIPT).digest('hex');
