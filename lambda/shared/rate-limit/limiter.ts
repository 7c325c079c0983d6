/**
 * Per-identity rate limiter: the pure core. No AWS SDK and no Redis client
 * import; the store (an ioredis adapter in production, see `redis-store.ts`),
 * the metrics sink and the logger are injected.
 *
 * One check = one `EVALSHA` round trip of the GCRA script (the SHA-1 is computed
 * locally, so nothing is loaded up front). On `NOSCRIPT` (new node, failover,
 * `SCRIPT FLUSH`) the script is loaded and the call retried once. The whole check
 * runs under a deadline (50 ms by default) so Redis never stalls the API; when it
 * cannot answer, the route class decides: fail open (allow) or fail closed (503).
 *
 * An identity Redis has just denied is answered 429 in process until the earliest
 * moment it could pass again (`blocked.ts`), so a flood from one identity costs one
 * round trip per window instead of one per request.
 */
import { createHash } from 'crypto';
import { HttpError } from '../http';
import { BlockedIdentities } from './blocked';
import { DEFAULT_RATE_LIMIT_CONFIG, FailureMode, RateLimitPolicy, RateLimiterConfig, RouteClass, validateRateLimitConfig } from './config';
import { Deadline, DeadlineQueue, RateLimitTimeoutError } from './deadlines';
import { GCRA_SCRIPT, GCRA_SCRIPT_SHA1 } from './script';

/** The three Redis operations the limiter needs (see `IoRedisRateLimitStore`). */
export interface RateLimitStore {
  /** `EVALSHA sha numkeys keys... args...` */
  evalsha(sha: string, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
  /** `SCRIPT LOAD script`; resolves to the SHA-1. */
  scriptLoad(script: string): Promise<unknown>;
}

/** A metrics sink; Powertools `Metrics` fits as is. */
export interface RateLimitMetrics {
  addMetric(name: string, unit: 'Count', value: number): void;
}

/** A logger; Powertools `Logger` fits as is. Never receives a token or a raw identity. */
export interface RateLimitLogger {
  warn(message: string, ...extra: Record<string, unknown>[]): void;
}

/** Who is limited: `id` is the JWT `sub` (or, on public auth routes, a caller key such as `ip:203.0.113.7`). */
export interface RateLimitIdentity {
  readonly id: string;
  readonly roles?: readonly string[];
}

/** The outcome of one check. */
export interface RateLimitDecision {
  /** True when the request may proceed. */
  readonly allowed: boolean;
  /** 429 (over the limit) or 503 (fail closed) when not allowed. */
  readonly statusCode?: 429 | 503;
  readonly routeClass: RouteClass;
  /** Name of the applied policy: the route class, or `<class>.<role>` for a role policy. */
  readonly policyName: string;
  readonly limit: number;
  readonly windowSeconds: number;
  /** Requests left in the current budget (undefined when Redis did not answer). */
  readonly remaining?: number;
  /** Seconds until the budget is full again, or, when denied, until the next request may pass. */
  readonly resetSeconds?: number;
  /** Seconds to wait before retrying (429 and 503 only). */
  readonly retryAfterSeconds?: number;
  /** Set when Redis could not answer and the failure mode decided. */
  readonly failure?: { readonly mode: FailureMode; readonly reason: 'timeout' | 'error' };
  /** Response headers: `RateLimit-Policy`, `RateLimit` (IETF httpapi draft), `Retry-After` when denied. */
  readonly headers: Readonly<Record<string, string>>;
}

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** @default - no metrics */
  readonly metrics?: RateLimitMetrics;
  /** @default - no logs */
  readonly logger?: RateLimitLogger;
  /** The clock of the in-process blocked entries, in milliseconds. @default performance.now */
  readonly now?: () => number;
}

const SAFE_ID = /^[A-Za-z0-9:._@|-]{1,64}$/;
/** Blocked identities held per container by default (about 1 MB at most). */
const DEFAULT_BLOCKED_ENTRIES = 10_000;

/** A policy with everything the hot path needs precomputed. */
interface CompiledPolicy {
  readonly name: string;
  readonly quotedName: string;
  readonly policy: RateLimitPolicy;
  readonly rate: number;
  /** Emission interval in whole microseconds (window / limit). */
  readonly interval: number;
  /** Burst capacity in microseconds (interval * limit). */
  readonly tau: number;
  /** The script's arguments for a cost of 1 (the common case), as strings so nothing is converted per request. */
  readonly args: readonly [string, string];
  readonly policyHeader: string;
}

function compile(name: string, policy: RateLimitPolicy): CompiledPolicy {
  const quotedName = sfString(name);
  const interval = Math.max(1, Math.floor((policy.windowSeconds * 1_000_000) / policy.limit));
  const tau = interval * policy.limit;
  return {
    name, quotedName, policy, rate: policy.limit / policy.windowSeconds, interval, tau, args: [String(interval), String(tau)],
    policyHeader: `${quotedName};q=${policy.limit};w=${policy.windowSeconds}`,
  };
}

export class RateLimiter {
  private readonly config: RateLimiterConfig;
  private readonly keyPrefix: string;
  private readonly timeoutMs: number;
  private readonly firstCallTimeoutMs: number;
  private readonly failClosedRetryAfter: number;
  private warm = false;
  private loading: Promise<unknown> | undefined;
  private readonly deadlines: DeadlineQueue;
  private readonly firstDeadlines: DeadlineQueue;
  private readonly blocked: BlockedIdentities;
  private readonly now: () => number;
  private readonly compiled: Record<string, { readonly default: CompiledPolicy; readonly roles: Map<string, CompiledPolicy> }> = {};
  /** How checks of this limiter end: made once here, so a check in flight allocates no closures of its own. */
  private readonly outcome: CheckOutcome = {
    decide: (check, reply) => {
      this.warm = true;
      const decision = this.decide(check.compiled, check.routeClass, reply);
      if (!decision.allowed) {
        // -reply µs until this request (of its cost) passes; a request of cost 1 passes (cost - 1) intervals sooner.
        // Never more than one interval: a request of cost 1 cannot wait longer, whatever the reply says.
        const waitUs = Math.min(-(reply as number) - (check.cost - 1) * check.compiled.interval, check.compiled.interval);
        if (waitUs > 0) this.blocked.block(check.key, check.compiled, check.sentAt + waitUs);
      }
      return decision;
    },
    fail: (check, err) => {
      this.warm = true;
      return this.onFailure(check.compiled, check.routeClass, err);
    },
  };

  constructor(
    private readonly store: RateLimitStore,
    config: RateLimiterConfig = DEFAULT_RATE_LIMIT_CONFIG,
    private readonly options: RateLimiterOptions = {},
  ) {
    this.config = validateRateLimitConfig(config);
    this.keyPrefix = config.keyPrefix ?? 'rl:v1';
    this.timeoutMs = config.timeoutMs ?? 50;
    this.firstCallTimeoutMs = Math.max(config.firstCallTimeoutMs ?? 1000, this.timeoutMs);
    this.failClosedRetryAfter = config.failClosedRetryAfterSeconds ?? 1;
    this.deadlines = new DeadlineQueue(this.timeoutMs);
    this.firstDeadlines = new DeadlineQueue(this.firstCallTimeoutMs);
    this.blocked = new BlockedIdentities(config.blockedEntries ?? DEFAULT_BLOCKED_ENTRIES);
    this.now = options.now ?? (() => performance.now());
    for (const [cls, c] of Object.entries(this.config.classes)) {
      this.compiled[cls] = {
        default: compile(cls, c.default),
        roles: new Map(Object.entries(c.roles ?? {}).map(([role, p]) => [role, compile(`${cls}.${role}`, p)])),
      };
    }
  }

  /** The policy that applies to the identity on the route class (the most generous of its roles, else the default). */
  public policyFor(identity: RateLimitIdentity, routeClass: RouteClass): { name: string; policy: RateLimitPolicy } {
    const { name, policy } = this.compiledFor(identity, routeClass);
    return { name, policy };
  }

  private compiledFor(identity: RateLimitIdentity, routeClass: RouteClass): CompiledPolicy {
    const c = this.compiled[routeClass];
    if (!c) throw new TypeError(`unknown route class ${JSON.stringify(routeClass)}`);
    let best = c.default;
    if (identity.roles) {
      for (const role of identity.roles) {
        const p = c.roles.get(role);
        if (p && (p.rate > best.rate || (p.rate === best.rate && p.policy.limit > best.policy.limit))) best = p;
      }
    }
    return best;
  }

  /** Identities answered 429 in process right now (bounded by the config's `blockedEntries`). */
  public get blockedCount(): number {
    return this.blocked.size;
  }

  /** The Redis key of a bucket: long or unusual identities are hashed, so keys stay short and printable. */
  public keyFor(identity: RateLimitIdentity, routeClass: RouteClass): string {
    if (typeof identity.id !== 'string' || identity.id.length === 0) throw new TypeError('rate limit identity id must be a non-empty string');
    const id = SAFE_ID.test(identity.id) ? identity.id : `h:${createHash('sha256').update(identity.id).digest('base64url')}`;
    return `${this.keyPrefix}:${routeClass}:${id}`;
  }

  /** Checks (and, when allowed, consumes) `cost` requests of the identity's budget on the route class. */
  public check(identity: RateLimitIdentity, routeClass: RouteClass, cost = 1): Promise<RateLimitDecision> {
    let compiled: CompiledPolicy;
    let key: string;
    try {
      compiled = this.compiledFor(identity, routeClass);
      key = this.keyFor(identity, routeClass);
      if (!Number.isInteger(cost) || cost < 1 || cost > compiled.policy.limit) {
        throw new TypeError(`rate limit cost must be a whole number from 1 to ${compiled.policy.limit}`);
      }
    } catch (err) {
      return Promise.reject(err);
    }
    const sentAt = Math.floor(this.now() * 1000);
    const blockedUs = this.blocked.waitUs(key, compiled, (cost - 1) * compiled.interval, sentAt);
    if (blockedUs !== undefined) return Promise.resolve(this.decide(compiled, routeClass, -blockedUs));
    const args = cost === 1 ? compiled.args : [String(compiled.interval * cost), compiled.args[1]];
    // One promise per check, settled by whichever comes first: the script's reply, an error or the deadline.
    const check = new PendingCheck(this.outcome, compiled, routeClass, key, cost, sentAt);
    const decision = new Promise<RateLimitDecision>((resolve, reject) => {
      check.resolve = resolve;
      check.reject = reject;
    });
    // Until the first check of the container settles (connect, TLS, AUTH), checks get the longer budget.
    (this.warm ? this.deadlines : this.firstDeadlines).add(check);
    let sent: Promise<unknown>;
    try {
      sent = this.store.evalsha(GCRA_SCRIPT_SHA1, [key], args);
    } catch (err) {
      check.fail(err);
      return decision;
    }
    sent.then((reply) => check.answer(reply), (err: unknown) => this.retryAfterNoScript(check, key, args, err));
    return decision;
  }

  /** On `NOSCRIPT` (a new node, a failover, SCRIPT FLUSH) loads the script once, shared by concurrent checks, and retries. */
  private retryAfterNoScript(check: PendingCheck, key: string, args: readonly string[], err: unknown): void {
    if (!isNoScript(err)) {
      check.fail(err);
      return;
    }
    this.loading ??= Promise.resolve(this.store.scriptLoad(GCRA_SCRIPT)).finally(() => { this.loading = undefined; });
    this.loading.then(() => this.store.evalsha(GCRA_SCRIPT_SHA1, [key], args)).then((reply) => check.answer(reply), (e: unknown) => check.fail(e));
  }

  /** The decision for the script's reply (see `GCRA_SCRIPT`); throws on a reply the script cannot give. */
  private decide(compiled: CompiledPolicy, routeClass: RouteClass, reply: unknown): RateLimitDecision {
    const { name, policy, policyHeader } = compiled;
    if (typeof reply !== 'number' || !Number.isSafeInteger(reply) || reply === 0 || reply > compiled.tau) {
      throw new Error('unexpected rate limit script reply');
    }
    if (reply > 0) {
      const remaining = Math.floor((compiled.tau - reply) / compiled.interval);
      const resetSeconds = Math.ceil(reply / 1_000_000);
      return {
        allowed: true, routeClass, policyName: name, limit: policy.limit, windowSeconds: policy.windowSeconds, remaining, resetSeconds,
        headers: { 'RateLimit-Policy': policyHeader, RateLimit: `${compiled.quotedName};r=${remaining};t=${resetSeconds}` },
      };
    }
    const retryAfterSeconds = Math.max(1, Math.ceil(-reply / 1_000_000));
    this.options.metrics?.addMetric('RateLimitExceeded', 'Count', 1);
    return {
      ...decisionBase(compiled, routeClass), allowed: false, statusCode: 429, remaining: 0, resetSeconds: retryAfterSeconds, retryAfterSeconds,
      headers: { 'RateLimit-Policy': policyHeader, RateLimit: `${compiled.quotedName};r=0;t=${retryAfterSeconds}`, 'Retry-After': String(retryAfterSeconds) },
    };
  }

  /**
   * Checks the budget and throws an {@link HttpError} when the request must not proceed
   * (429 `rate_limited` or 503 `service_unavailable`, both with `Retry-After`); otherwise
   * returns the `RateLimit*` headers to add to the response.
   */
  public async enforce(identity: RateLimitIdentity, routeClass: RouteClass, cost = 1): Promise<Record<string, string>> {
    const d = await this.check(identity, routeClass, cost);
    if (d.allowed) return { ...d.headers };
    if (d.statusCode === 429) throw new HttpError(429, 'rate_limited', 'Too many requests; retry later', { ...d.headers });
    throw new HttpError(503, 'service_unavailable', 'Service temporarily unavailable; retry later', { ...d.headers });
  }

  private onFailure(compiled: CompiledPolicy, routeClass: RouteClass, err: unknown): RateLimitDecision {
    const { policyHeader } = compiled;
    const base = decisionBase(compiled, routeClass);
    const mode = this.config.classes[routeClass].onFailure;
    const reason = err instanceof RateLimitTimeoutError || (err instanceof Error && /timed? ?out/i.test(err.message)) ? 'timeout' : 'error';
    this.options.metrics?.addMetric('RateLimiterUnavailable', 'Count', 1);
    this.options.metrics?.addMetric(mode === 'open' ? 'RateLimiterFailOpen' : 'RateLimiterFailClosed', 'Count', 1);
    this.options.logger?.warn('rate limiter unavailable', { routeClass: base.routeClass, mode, reason, error: err instanceof Error ? err.message : String(err) });
    if (mode === 'open') {
      return { ...base, allowed: true, failure: { mode, reason }, headers: { 'RateLimit-Policy': policyHeader } };
    }
    const retryAfterSeconds = this.failClosedRetryAfter;
    return {
      ...base, allowed: false, statusCode: 503, retryAfterSeconds, failure: { mode, reason },
      headers: { 'RateLimit-Policy': policyHeader, 'Retry-After': String(retryAfterSeconds) },
    };
  }
}

/** Maps an HTTP method and path to a route class: public auth endpoints, reads (GET/HEAD), writes (the rest). */
export function routeClassOf(method: string, path: string): RouteClass {
  if (/^\/auth(\/|$)/.test(path)) return 'auth';
  const m = method.toUpperCase();
  return m === 'GET' || m === 'HEAD' || m === 'OPTIONS' ? 'read' : 'write';
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}

/** What every decision states about the policy that applied. */
function decisionBase(compiled: CompiledPolicy, routeClass: RouteClass): Pick<RateLimitDecision, 'routeClass' | 'policyName' | 'limit' | 'windowSeconds'> {
  return { routeClass, policyName: compiled.name, limit: compiled.policy.limit, windowSeconds: compiled.policy.windowSeconds };
}

/** A structured-field string (RFC 8941 sf-string): quoted, with `\` and `"` escaped. */
function sfString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** How a {@link PendingCheck} ends: the limiter's decision for a reply, or its failure mode for an error. */
interface CheckOutcome {
  decide(check: PendingCheck, reply: unknown): RateLimitDecision;
  fail(check: PendingCheck, err: unknown): RateLimitDecision;
}

function ignore(): void {
  // The placeholder until the check's promise hands over its functions.
}

/** One check in flight: settled once, by the script's reply, an error or its deadline, whichever comes first. */
class PendingCheck implements Deadline {
  public done = false;
  public at = 0;
  public resolve: (decision: RateLimitDecision) => void = ignore;
  /** Only when the failure path itself throws (a throwing logger or metrics sink): the check rejects, as any async function would. */
  public reject: (err: unknown) => void = ignore;

  constructor(
    private readonly outcome: CheckOutcome,
    public readonly compiled: CompiledPolicy,
    public readonly routeClass: RouteClass,
    public readonly key: string,
    public readonly cost: number,
    /** When the script was sent (whole microseconds of the limiter's clock), before the server read its own. */
    public readonly sentAt: number,
  ) {}

  public answer(reply: unknown): void {
    if (this.done) return;
    let decision: RateLimitDecision;
    try {
      decision = this.outcome.decide(this, reply);
    } catch (err) {
      this.fail(err);
      return;
    }
    this.done = true;
    this.resolve(decision);
  }

  public fail(err: unknown): void {
    if (this.done) return;
    this.done = true;
    try {
      this.resolve(this.outcome.fail(this, err));
    } catch (e) {
      this.reject(e);
    }
  }

  public expire(err: RateLimitTimeoutError): void {
    this.fail(err);
  }
}
