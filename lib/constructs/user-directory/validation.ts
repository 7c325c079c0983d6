/**
 * Checks the props of {@link UserDirectory} at synth: every problem throws with the construct path, the prop, the
 * value received and the fix (lib/internal/errors.ts). Values that are still tokens are skipped.
 */
import { Duration, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { checkRange, invalidProp } from '../../internal/errors';
import type { ResourceServerOptions, UserDirectoryProps } from './props';

/** Throws on the first prop of {@link UserDirectoryProps} that Cognito would refuse or that loosens a rule beyond its bounds. */
export function validateUserDirectoryProps(scope: Construct, props: UserDirectoryProps): void {
  if (!Array.isArray(props.callbackUrls) || props.callbackUrls.length === 0) {
    invalidProp(scope, 'callbackUrls', props.callbackUrls, 'Fix: give at least one https callback URL of the app, for example "https://app.example.com/callback".');
  }
  for (const url of props.callbackUrls) checkHttpsUrl(scope, 'callbackUrls', url);
  for (const url of props.logoutUrls ?? []) checkHttpsUrl(scope, 'logoutUrls', url);

  validateDomain(scope, props);
  checkRange(scope, 'passwordPolicy.minLength', props.passwordPolicy?.minLength, 14, 99);
  checkRange(scope, 'passwordPolicy.passwordHistorySize', props.passwordPolicy?.passwordHistorySize, 0, 24);
  checkDuration(scope, 'passwordPolicy.tempPasswordValidity', props.passwordPolicy?.tempPasswordValidity, Duration.days(1), Duration.days(3), 'days');
  checkDuration(scope, 'accessTokenValidity', props.accessTokenValidity, Duration.minutes(5), Duration.minutes(60), 'minutes');
  checkDuration(scope, 'idTokenValidity', props.idTokenValidity, Duration.minutes(5), Duration.minutes(60), 'minutes');
  checkDuration(scope, 'refreshTokenValidity', props.refreshTokenValidity, Duration.minutes(60), Duration.days(30), 'minutes');
  checkDuration(scope, 'refreshTokenRotationGracePeriod', props.refreshTokenRotationGracePeriod, Duration.seconds(0), Duration.seconds(60), 'seconds');

  if (props.groups !== undefined) validateGroups(scope, props.groups);
  if (props.resourceServer !== undefined) validateResourceServer(scope, props.resourceServer);
}

/** Either a Cognito prefix domain (a valid, unreserved label) or a custom domain, never both. */
function validateDomain(scope: Construct, props: UserDirectoryProps): void {
  if (props.domainPrefix !== undefined && props.customDomain !== undefined) {
    invalidProp(scope, 'domainPrefix', props.domainPrefix, 'Fix: give either domainPrefix or customDomain, not both.');
  }
  if (props.domainPrefix === undefined && props.customDomain === undefined) {
    invalidProp(scope, 'domainPrefix', undefined, 'Fix: give domainPrefix (for example "myapp-dev") or customDomain; the token and revocation endpoints need a domain.');
  }
  if (props.domainPrefix !== undefined && !Token.isUnresolved(props.domainPrefix)
    && (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(props.domainPrefix) || /aws|amazon|cognito/.test(props.domainPrefix))) {
    invalidProp(scope, 'domainPrefix', props.domainPrefix,
      'Fix: use 1-63 lowercase letters, digits and inner hyphens, without "aws", "amazon" or "cognito" (Cognito reserves them).');
  }
}

/** Group names become roles passed on as a comma list: non-empty, unique, no spaces or commas. */
function validateGroups(scope: Construct, groups: string[]): void {
  if (groups.length === 0) invalidProp(scope, 'groups', groups, 'Fix: give at least one group, for example ["admin", "user"].');
  if (new Set(groups).size !== groups.length) invalidProp(scope, 'groups', groups, 'Fix: remove the duplicate group names.');
  for (const g of groups) {
    if (!/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u.test(g) || g.includes(',')) {
      invalidProp(scope, 'groups', g, 'Fix: use 1-128 letters, digits or punctuation without spaces or commas (roles are passed on as a comma list).');
    }
  }
}

/** The resource server's identifier, display name and scope names, in the character sets Cognito accepts. */
function validateResourceServer(scope: Construct, rs: ResourceServerOptions): void {
  if (!/^[\x21-\x7e]{1,256}$/.test(rs.identifier)) {
    invalidProp(scope, 'resourceServer.identifier', rs.identifier, 'Fix: use 1-256 printable characters without spaces, for example "https://api.example.com".');
  }
  if (rs.name !== undefined && !Token.isUnresolved(rs.name) && !/^[\w\s+=,.@-]{1,256}$/.test(rs.name)) {
    invalidProp(scope, 'resourceServer.name', rs.name, 'Fix: use 1-256 letters, digits, spaces or +=,.@-_ characters.');
  }
  if (rs.scopes.length === 0) invalidProp(scope, 'resourceServer.scopes', rs.scopes, 'Fix: give at least one scope, for example { name: "notes.read", description: "..." }.');
  for (const s of rs.scopes) {
    if (!/^[\x21\x23-\x2e\x30-\x5b\x5d-\x7e]{1,256}$/.test(s.name)) {
      invalidProp(scope, 'resourceServer.scopes', s.name, 'Fix: use printable characters without spaces, quotes, slashes or backslashes, for example "notes.read".');
    }
  }
}

/** Throws unless the value is an absolute https URL without a fragment (Cognito rejects fragments). */
function checkHttpsUrl(scope: Construct, prop: string, url: string): void {
  if (Token.isUnresolved(url)) return;
  let parsed: URL | undefined;
  try { parsed = new URL(url); } catch { parsed = undefined; }
  if (!parsed || parsed.protocol !== 'https:' || parsed.hash !== '' || url.includes('#') || parsed.username !== '' || parsed.password !== '') {
    invalidProp(scope, prop, url, 'Fix: use an absolute https URL without a fragment or credentials, for example "https://app.example.com/callback".');
  }
}

/** Throws unless the duration lies within [min, max] (compared in the given unit, so 3 days passes as 72 hours). */
function checkDuration(scope: Construct, prop: string, value: Duration | undefined, min: Duration, max: Duration, unit: 'days' | 'minutes' | 'seconds'): void {
  if (value === undefined || value.isUnresolved()) return;
  const ms = value.toMilliseconds();
  const wholeDays = unit !== 'days' || ms % Duration.days(1).toMilliseconds() === 0;
  if (ms < min.toMilliseconds() || ms > max.toMilliseconds() || !wholeDays) {
    invalidProp(scope, prop, value.toHumanString(), `Fix: use a duration from ${min.toHumanString()} to ${max.toHumanString()}${unit === 'days' ? ' in whole days' : ''}.`);
  }
}

