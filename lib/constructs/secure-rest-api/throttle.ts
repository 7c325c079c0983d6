import { Duration, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { invalidProp } from '../../internal/errors';
import { BaselineError, BaselineErrorCode } from '../../internal/errors';

/**
 * Throttle limits of a {@link SecureRestApi}: their valid range, and the throttle of authentication routes.
 *
 * API Gateway's per-method throttle is one token bucket shared by every client. On authentication routes it must
 * therefore be a capacity limit (what the backend can serve), never abuse control: a tight bucket (say 5 rps) is
 * exhausted by a few dozen clients that each stay under the per-client limits, and then every user's sign-in and
 * token refresh gets 429. Abuse control belongs to per-client limits (WAF per IP, the handler's limiter per client).
 */

/** Steady-state rate (requests per second) and burst (concurrent requests) of a throttle. */
export interface ThrottleLimits {
  /** Requests per second. */
  readonly rateLimit: number;
  /** Burst capacity (token bucket size), a whole number. */
  readonly burstLimit: number;
}

/** Inputs of {@link SecureRestApi.authCapacityThrottle}. */
export interface AuthCapacityOptions {
  /** Requests one client (IP address) may send to the authentication paths per window before WAF blocks it. */
  readonly perClientLimit: number;
  /** The window of `perClientLimit`, for example the WAF rate rule's evaluation window (`Duration.minutes(5)`). */
  readonly perClientWindow: Duration;
  /** Reserved concurrency of the function behind the authentication routes. */
  readonly backendConcurrency: number;
  /**
   * How long the backend takes to answer one request at the upper end of normal (the issuer's latency included), as
   * API Gateway's `IntegrationLatency` metric measures it; fractions of a second are fine (`Duration.millis(800)`).
   */
  readonly backendLatency: Duration;
  /**
   * Fewest clients, each sending at `perClientLimit`, that may exhaust the throttle; fewer is refused.
   * @default 500
   */
  readonly minClientsToExhaust?: number;
}

/** A throttle for authentication routes, with the number of clients it takes to exhaust it. */
export interface AuthCapacityThrottle extends ThrottleLimits {
  /** Clients that must each send at the per-client limit, all the time, to use up the sustained rate. */
  readonly clientsToExhaust: number;
}

/** The default of {@link AuthCapacityOptions.minClientsToExhaust}. */
export const DEFAULT_MIN_CLIENTS_TO_EXHAUST = 500;

/** How many clients, each at `perClientLimit` per `perClientWindowSeconds`, it takes to use up `rateLimit` requests per second. */
export function clientsToExhaust(rateLimit: number, perClientLimit: number, perClientWindowSeconds: number): number {
  return rateLimit / (perClientLimit / perClientWindowSeconds);
}

/**
 * The throttle of authentication routes as a capacity limit: the sustained rate the backend serves
 * (`backendConcurrency / backendLatency` in seconds, so the gateway answers 429 before the function is throttled) and
 * a burst of `backendConcurrency` (no more requests at once than the function can run). Throws when that capacity
 * could be exhausted by fewer than `minClientsToExhaust` clients at the per-client limit; the message gives the
 * arithmetic and the concurrency that would be needed.
 */
export function authCapacityThrottle(options: AuthCapacityOptions): AuthCapacityThrottle {
  const { perClientLimit, backendConcurrency } = options;
  const perClientWindowSeconds = positiveSeconds('perClientWindow', options.perClientWindow);
  const backendSecondsPerRequest = positiveSeconds('backendLatency', options.backendLatency);
  const minClients = options.minClientsToExhaust ?? DEFAULT_MIN_CLIENTS_TO_EXHAUST;
  for (const [name, value] of Object.entries({ perClientLimit, backendConcurrency, minClients })) {
    if (!Number.isFinite(value) || value <= 0) throw new BaselineError(BaselineErrorCode.INVALID_PROP, `authCapacityThrottle: ${name} = ${value} must be a positive number.`);
  }
  const rateLimit = Math.floor(backendConcurrency / backendSecondsPerRequest);
  const burstLimit = Math.floor(backendConcurrency);
  const clients = clientsToExhaust(rateLimit, perClientLimit, perClientWindowSeconds);
  if (rateLimit < 1 || clients < minClients) {
    const neededRate = Math.ceil((minClients * perClientLimit) / perClientWindowSeconds);
    throw new BaselineError(BaselineErrorCode.INVALID_PROP,
      `authCapacityThrottle: ${backendConcurrency} concurrent executions at ${backendSecondsPerRequest} s per request serve ${rateLimit} requests/s, ` +
      `which ${clients.toFixed(0)} clients at ${perClientLimit} requests per ${perClientWindowSeconds} s each would exhaust (fewer than ${minClients}). ` +
      `Fix: raise the backend's reserved concurrency to at least ${Math.ceil(neededRate * backendSecondsPerRequest)} (${neededRate} requests/s), ` +
      'or lower the per-client limit.');
  }
  return { rateLimit, burstLimit, clientsToExhaust: clients };
}

/** A positive, resolved duration in seconds (fractions kept); throws naming the option otherwise. */
function positiveSeconds(name: string, value: Duration): number {
  if (!(value instanceof Duration) || value.isUnresolved()) {
    throw new BaselineError(BaselineErrorCode.INVALID_PROP, `authCapacityThrottle: ${name} = ${String(value)} must be a Duration known at synth, for example Duration.seconds(1).`);
  }
  const seconds = value.toMilliseconds({ integral: false }) / 1000;
  if (!Number.isFinite(seconds) || seconds <= 0) throw new BaselineError(BaselineErrorCode.INVALID_PROP, `authCapacityThrottle: ${name} = ${value.toHumanString()} must be longer than zero.`);
  return seconds;
}

/**
 * Validates throttle limits (skipping unresolved tokens) and returns them: a positive rate of at most 10,000 requests
 * per second and a whole burst from 1 to 5,000. With `stage`, the limits are per method and must not exceed the stage's.
 */
export function checkThrottleLimits(scope: IConstruct, prop: string, limits: ThrottleLimits, stage?: ThrottleLimits): ThrottleLimits {
  const { rateLimit, burstLimit } = limits;
  if (!Token.isUnresolved(rateLimit) && (!Number.isFinite(rateLimit) || rateLimit <= 0 || rateLimit > 10_000)) {
    invalidProp(scope, `${prop}.rateLimit`, rateLimit, 'Fix: use a positive number of requests per second, at most 10000.');
  }
  if (!Token.isUnresolved(burstLimit) && (!Number.isInteger(burstLimit) || burstLimit < 1 || burstLimit > 5_000)) {
    invalidProp(scope, `${prop}.burstLimit`, burstLimit, 'Fix: use a whole number from 1 to 5000.');
  }
  if (stage !== undefined && (rateLimit > stage.rateLimit || burstLimit > stage.burstLimit)) {
    invalidProp(scope, prop, limits,
      `Fix: per-method limits must be at most the stage's ${JSON.stringify(stage)}; they exist to be tighter.`);
  }
  return limits;
}
