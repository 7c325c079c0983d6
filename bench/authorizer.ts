/**
 * Authorizer verification: the project's verifier core against the floor
 * (bare crypto.verify('RSA-SHA256') on pre-decoded input) and its peers
 * (aws-jwt-verify verifySync with a cached JWKS, jose jwtVerify with a local
 * JWKS), on the same tokens, interleaved round by round in one process; plus
 * the cost of rejections the verifier must make.
 *
 * The section runs in a child process on the functions' Node.js (24, `bench/runtime-node.ts`), as the cold-start
 * section does: V8's JSON parser and OpenSSL differ between major versions, and the authorizer only ever runs on
 * nodejs24.x. The child inherits the parent's core pinning; the JWKS is served over HTTP on 127.0.0.1 and loaded by
 * the verifier's own client before anything is timed.
 */
import { spawn } from 'node:child_process';
import { KeyObject, verify as cryptoVerify } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { JwtVerifier as AwsJwtVerifier } from 'aws-jwt-verify';
import { JwtVerifier } from '../lambda/shared/jwt';
import { pkcs1Plan, verifyPkcs1 } from '../lambda/shared/jwt/pkcs1';
import { b64url, cognitoClaims, generateTestKey, signHs256, signJwt, TestKey } from '../test/helpers/jwt';
import { startJwksServer } from '../test/integration/http';
import { runtimeNode } from './runtime-node';
import { BenchRow, BenchSection, median } from './types';

const KEYS = 10;
const TOKENS_PER_KEY = 20;
/** Rounds; each runs a short chunk of every contender, so scheduler noise hits all of them alike. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 400);
/** Verifications per contender per round (about a millisecond: short enough to fit in one time slice). */
const CHUNK = 25;
const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab12Cd34E';
const CLIENT_ID = '4b1dq3pf9hc7ks8bqbq7ugb0sl';
const JWKS_URI = `${ISSUER}/.well-known/jwks.json`;

interface Contender {
  readonly name: string;
  /** Runs `count` verifications starting at token index `from` (modulo the token set). */
  readonly run: (from: number, count: number) => Promise<void> | void;
}

/**
 * A young-generation GC between chunks (outside the timed region), so a contender never pays for
 * the garbage the previous one left (jose allocates a lot; the floor allocates nothing).
 */
const collectYoungGarbage: () => void = (() => {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (options?: { type: string }) => void;
    return () => gc({ type: 'minor' });
  } catch {
    return () => undefined;
  }
})();


/**
 * Runs contenders interleaved: every round runs one chunk of each (same tokens,
 * an order shuffled per round) and records ns per verification. Returns per-round figures.
 *
 * Why shuffled, not rotated: a rotation keeps each contender's predecessor fixed, and the chunk that runs right after
 * another pays for what that one left (its garbage, the caches and branch predictors it filled). Measured on this
 * section: with a rotation, whichever verifier row came right after the floor read 0.03-0.05 lower than the same code one
 * place later. A seeded shuffle gives every contender every predecessor alike, and the same order on every run.
 */
async function interleave(contenders: Contender[], rounds: number, tokenCount: number): Promise<number[][]> {
  const perOp: number[][] = contenders.map(() => []);
  for (let w = 0; w < 20; w++) for (const c of contenders) await c.run(w * CHUNK, CHUNK); // warm-up (JIT, caches)
  let seed = 0x2545f491;
  const random = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 0x100000000;
  };
  const order = contenders.map((_, i) => i);
  for (let r = 0; r < rounds; r++) {
    const from = (r * CHUNK) % tokenCount;
    for (let k = order.length - 1; k > 0; k--) {
      const j = Math.floor(random() * (k + 1));
      [order[k], order[j]] = [order[j], order[k]];
    }
    for (let k = 0; k < contenders.length; k++) {
      const i = order[k];
      collectYoungGarbage();
      const start = process.hrtime.bigint();
      await contenders[i].run(from, CHUNK);
      perOp[i].push(Number(process.hrtime.bigint() - start) / CHUNK);
    }
  }
  return perOp;
}

async function measure(): Promise<BenchRow[]> {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const keys: TestKey[] = Array.from({ length: KEYS }, (_, i) => generateTestKey('RS256', `key-${i}-${b64url(String(i * 7919)).slice(0, 6)}`));
  const jwks = { keys: keys.map((k) => k.jwk) };
  const tokens: string[] = [];
  for (let t = 0; t < TOKENS_PER_KEY; t++) for (const k of keys) tokens.push(signJwt(k, cognitoClaims(ISSUER, CLIENT_ID, nowSeconds)));

  // The floor: RSA-SHA256 on input decoded ahead of time (signing input bytes, signature bytes, imported key).
  const decoded = tokens.map((t, i) => {
    const dot = t.lastIndexOf('.');
    return { data: Buffer.from(t.slice(0, dot)), signature: Buffer.from(t.slice(dot + 1), 'base64url'), key: keys[i % KEYS].publicKey as KeyObject };
  });

  const jwksServer = await startJwksServer(jwks);
  const primitives = keys.map((k) => pkcs1Plan(k.publicKey as KeyObject, 256, 'sha256'));
  const verifier = new JwtVerifier({
    issuer: ISSUER, audience: [CLIENT_ID], jwksUri: jwksServer.jwksUri, algorithms: ['RS256'], maxTokenAgeSeconds: 900, clockSkewSeconds: 30,
    // The peers check iss, aud and time claims of these Cognito-shaped (typ JWT) tokens; so does this row. The access-token type
    // rule (typ at+jwt) is decided once per distinct header, which the header cache then serves: it costs nothing per token.
    requireAccessTokenType: false, rolesClaim: 'cognito:groups',
  });
  const preloaded = await verifier.preload();
  await jwksServer.close();
  if (!preloaded) throw new Error('JWKS preload failed');

  const aws = AwsJwtVerifier.create({ issuer: ISSUER, audience: CLIENT_ID, jwksUri: JWKS_URI, graceSeconds: 30 });
  aws.cacheJwks(jwks as never);
  const jose = await import('jose');
  const localJwks = jose.createLocalJWKSet(jwks as never);
  const joseOptions = { issuer: ISSUER, audience: CLIENT_ID, algorithms: ['RS256'], maxTokenAge: 900, clockTolerance: 30 };

  // Sanity: every contender accepts every token before anything is timed.
  for (const t of tokens) {
    await verifier.verify(t);
    aws.verifySync(t);
    await jose.jwtVerify(t, localJwks, joseOptions);
  }

  const n = tokens.length;
  const floorContender: Contender = {
    name: 'floor: crypto.verify(RSA-SHA256), pre-decoded',
    run: (from, count) => {
      for (let i = from; i < from + count; i++) {
        const d = decoded[i % n];
        if (!cryptoVerify('RSA-SHA256', d.data, d.key, d.signature)) throw new Error('floor');
      }
    },
  };
  const contenders: Contender[] = [
    floorContender,
    { name: 'verifier core: verify() (async, warm JWKS)', run: async (from, count) => { for (let i = from; i < from + count; i++) await verifier.verify(tokens[i % n]); } },
    { name: 'verifier core: verifySync() (warm JWKS)', run: (from, count) => { for (let i = from; i < from + count; i++) verifier.verifySync(tokens[i % n]); } },
    {
      // The primitive the verifier uses for RS256 (lambda/shared/jwt/pkcs1.ts): the RSA operation, SHA-256 and the whole-encoding
      // comparison, on the same pre-decoded input. Its ratio is what the primitive gains over crypto.verify; the verifier rows' notes
      // give what the verifier's own code costs over it.
      name: 'primitive: RSAVP1 + SHA-256 + EM\' comparison, pre-decoded',
      run: (from, count) => {
        for (let i = from; i < from + count; i++) {
          const d = decoded[i % n];
          if (!verifyPkcs1(primitives[i % KEYS], d.data, d.signature)) throw new Error('primitive');
        }
      },
    },
  ];
  // The peers run in rounds of their own, against the floor again: jose allocates enough that its garbage reaches the old
  // generation, which the young-generation GC between chunks does not collect, so in shared rounds the chunk after it paid
  // for that garbage (the verifier rows read about 0.01-0.02 lower with the peers in their rounds).
  const peers: Contender[] = [
    floorContender,
    { name: 'aws-jwt-verify verifySync (cached JWKS)', run: (from, count) => { for (let i = from; i < from + count; i++) aws.verifySync(tokens[i % n]); } },
    { name: 'jose jwtVerify + createLocalJWKSet', run: async (from, count) => { for (let i = from; i < from + count; i++) await jose.jwtVerify(tokens[i % n], localJwks, joseOptions); } },
  ];
  const perOp = await interleave(contenders, ROUNDS, n);
  const peerPerOp = await interleave(peers, ROUNDS, n);
  const row = (c: Contender, times: number[], floor: number[], note?: string): BenchRow => ({
    name: c.name, opsPerSec: 1e9 / median(times), usPerOp: median(times) / 1000, ratio: median(times.map((ns, r) => floor[r] / ns)), ratioOf: 'x floor', note,
  });
  const rows: BenchRow[] = contenders.map((c, i) => {
    const ratio = median(perOp[i].map((ns, r) => perOp[0][r] / ns));
    return row(c, perOp[i], perOp[0], i === 1 || i === 2
      ? `goal >= 0.90x (${ratio >= 0.9 ? 'met' : 'MISSED'}); +${((median(perOp[i]) - median(perOp[3])) / 1000).toFixed(2)} µs over the primitive row`
      : i === 0 ? `${KEYS} RSA-2048 keys, ${tokens.length} tokens, ${tokens[0].length} chars` : undefined);
  });
  peers.forEach((c, i) => { if (i > 0) rows.push(row(c, peerPerOp[i], peerPerOp[0], 'peer, in rounds of its own with the floor')); });

  // Rejections, interleaved with a valid verify of the same verifier (the reference).
  const key = keys[0];
  const claims = cognitoClaims(ISSUER, CLIENT_ID, nowSeconds);
  const valid = signJwt(key, claims);
  const [h, p, s] = valid.split('.');
  const flipped = `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
  const attacks: { name: string; token: string; reason: string }[] = [
    { name: 'reject alg none', token: `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${p}.`, reason: 'token_malformed' },
    { name: 'reject alg none (with junk signature)', token: `${b64url(JSON.stringify({ alg: 'none', kid: key.kid }))}.${p}.${s}`, reason: 'alg_not_allowed' },
    { name: 'reject HS256 key confusion', token: signHs256(key.publicKey.export({ format: 'pem', type: 'spki' }), claims, { kid: key.kid }), reason: 'alg_not_allowed' },
    { name: 'reject unknown kid', token: signJwt(generateTestKey('RS256', 'attacker-kid'), claims), reason: 'kid_unknown' },
    { name: 'reject tampered signature', token: `${h}.${p}.${flipped}`, reason: 'signature_invalid' },
    { name: 'reject expired', token: signJwt(key, cognitoClaims(ISSUER, CLIENT_ID, nowSeconds - 3600)), reason: 'expired' },
  ];
  const reject = (token: string, reason: string) => async (_from: number, count: number): Promise<void> => {
    for (let i = 0; i < count; i++) {
      try {
        await verifier.verify(token);
      } catch (err) {
        if ((err as { reason?: string }).reason === reason) continue;
        throw new Error(`expected ${reason}, got ${String((err as Error).message)}`, { cause: err });
      }
      throw new Error('accepted an attack token');
    }
  };
  const rejectContenders: Contender[] = [
    { name: 'valid verify (reference)', run: async (_from, count) => { for (let i = 0; i < count; i++) await verifier.verify(valid); } },
    ...attacks.map((a) => ({ name: a.name, run: reject(a.token, a.reason) })),
  ];
  const rejectPerOp = await interleave(rejectContenders, Math.max(50, Math.round(ROUNDS / 4)), 1);
  const reference = rejectPerOp[0];
  for (let i = 1; i < rejectContenders.length; i++) {
    rows.push({
      name: `verifier core: ${rejectContenders[i].name}`,
      opsPerSec: 1e9 / median(rejectPerOp[i]),
      usPerOp: median(rejectPerOp[i]) / 1000,
      ratio: median(rejectPerOp[i].map((ns, r) => reference[r] / ns)),
      ratioOf: 'x faster than valid',
      note: `reason ${attacks[i - 1].reason}${['alg_not_allowed', 'kid_unknown', 'token_malformed'].includes(attacks[i - 1].reason) ? '; goal >= 4x' : ''}`,
    });
  }
  return rows;
}

/** Marks the child's output line that carries the rows. */
const ROWS_MARK = '@@bench-authorizer-rows ';

/** Runs {@link measure} in a child process on the functions' Node.js (the running Node when it is that version already). */
async function run(): Promise<BenchRow[]> {
  const node = runtimeNode((line) => console.error(line));
  const label = (rows: BenchRow[], version: string, fallback?: string): BenchRow[] => rows.map((r, i) => i !== 0 ? r
    : { ...r, note: `${r.note ?? ''}; Node.js ${version}${fallback === undefined ? ' (the functions\' runtime)' : ` (${fallback})`}` });
  if (node.fallback !== undefined || node.path === process.execPath) return label(await measure(), process.version, node.fallback);
  const output = await new Promise<string>((resolvePromise, reject) => {
    const child = spawn(node.path, ['--require', require.resolve('tsx/cjs'), __filename], {
      env: { ...process.env, BENCH_AUTHORIZER_CHILD: '1' }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`authorizer bench on ${node.version} exited with ${code}`))));
  });
  const line = output.split('\n').find((l) => l.startsWith(ROWS_MARK));
  if (line === undefined) throw new Error(`authorizer bench on ${node.version} printed no rows`);
  return label(JSON.parse(line.slice(ROWS_MARK.length)) as BenchRow[], node.version);
}

if (require.main === module && process.env.BENCH_AUTHORIZER_CHILD === '1') {
  measure().then((rows) => {
    process.stdout.write(`\n${ROWS_MARK}${JSON.stringify(rows)}\n`);
    process.exit(0);
  }, (err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

export const authorizerSection: BenchSection = { name: 'authorizer', run };
