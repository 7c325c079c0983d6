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
 * KEYS[1] bucket key; ARGV[1] increment: emission interval times the cost of this
 * request (whole microseconds, >= 1); ARGV[2] tau: emission interval times the
 * limit (the burst capacity in microseconds).
 *
 * Returns one integer, `d`, never 0:
 * - `d > 0`: allowed. `d` is the new TAT minus now (µs until the budget is full
 *   again); the client derives what is left as `floor((tau - d) / interval)`.
 * - `d < 0`: denied. `-d` is the wait in µs until this request would pass.
 *
 * Why it is written this way (each measured: `npm run bench -- redis-script`): the
 * client sends the two products instead of the three factors, the reply is one
 * integer instead of an array (less to build on the server and to decode in the
 * client), and the TAT and its expiry are whole numbers computed with `+`, `-` and
 * `%` only. A Lua number passed to `redis.call` is written with 17 significant
 * digits, so a TAT (16 digits) is stored exactly without `string.format`, and
 * `(ms - ms % 1000) / 1000` is the ceiling of the expiry in whole milliseconds
 * without `math.ceil`. The key expires when the TAT passes, as before: an idle
 * identity costs no memory.
 */
export const GCRA_SCRIPT = `local t = redis.call('TIME')
local now = t[1] * 1000000 + t[2]
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat or tat < now then tat = now end
local d = tat + ARGV[1] - now
if d > ARGV[2] + 0 then return ARGV[2] - d end
local ms = d + 999
redis.call('SET', KEYS[1], now + d, 'PX', (ms - ms % 1000) / 1000)
return d
`;

/** SHA-1 of {@link GCRA_SCRIPT}, the name `EVALSHA` calls it by (computed locally: no round trip). */
export const GCRA_SCRIPT_SHA1 = createHash('sha1').update(GCRA_SCRIPT).digest('hex');
