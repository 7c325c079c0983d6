import * as logs from 'aws-cdk-lib/aws-logs';
import { BaselineConfig, IdentityConfig, PipelineConfig, StageConfig, StageRemovalPolicy } from './types';

/** The CDK context key that holds the whole configuration. */
export const CONTEXT_KEY = 'baseline';

/** Thrown when the configuration is missing or wrong; lists every problem found. */
export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(
      `Invalid configuration in cdk.json context "${CONTEXT_KEY}" (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** CloudWatch Logs accepts only these retention values (days): aws-cdk-lib's `logs.RetentionDays` without `INFINITE`. */
export const LOG_RETENTION_DAYS: readonly number[] = Object.freeze(Object.values(logs.RetentionDays)
  .filter((v): v is number => typeof v === 'number' && v !== logs.RetentionDays.INFINITE)
  .sort((a, b) => a - b));

/** Algorithms a JWT may be signed with: asymmetric only. */
export const ASYMMETRIC_JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

const DNS_NAME = /^(?=.{1,253}$)(?!-)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const DNS_LABELS = /^$|^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const PROJECT = /^[a-z][a-z0-9-]{1,20}[a-z0-9]$/;
const STAGE_NAME = /^[a-z][a-z0-9]{0,9}$/;

/** Collects problems while reading untyped context. */
class Reader {
  readonly problems: string[] = [];

  problem(key: string, value: unknown, why: string, fix: string): void {
    this.problems.push(`${key} = ${show(value)}: ${why}. Fix: ${fix}`);
  }

  object(key: string, value: unknown): Record<string, unknown> | undefined {
    if (value === undefined) {
      this.problem(key, value, 'is missing', `add the object "${key}" (see cdk.json for an example)`);
      return undefined;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.problem(key, value, 'must be an object', `set "${key}" to an object (see cdk.json for an example)`);
      return undefined;
    }
    return value as Record<string, unknown>;
  }

  string(key: string, value: unknown, pattern: RegExp, what: string, example: string): string | undefined {
    if (typeof value !== 'string') {
      this.problem(key, value, value === undefined ? 'is missing' : 'must be a string', `set it to ${what}, for example "${example}"`);
      return undefined;
    }
    if (!pattern.test(value)) {
      this.problem(key, value, `is not ${what}`, `set it to ${what}, for example "${example}"`);
      return undefined;
    }
    return value;
  }

  https(key: string, value: unknown): string | undefined {
    if (typeof value !== 'string') {
      this.problem(key, value, value === undefined ? 'is missing' : 'must be a string', 'set it to an https URL');
      return undefined;
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      this.problem(key, value, 'is not a URL', 'set it to an https URL, for example "https://login.example.com/"');
      return undefined;
    }
    if (url.protocol !== 'https:') {
      this.problem(key, value, 'must use https (tokens and keys never travel in clear text)', 'use an https URL');
      return undefined;
    }
    return value;
  }

  integer(key: string, value: unknown, min: number, max: number): number | undefined {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problem(key, value, `must be a whole number from ${min} to ${max}`, `set it to a whole number from ${min} to ${max}`);
      return undefined;
    }
    return value;
  }

  boolean(key: string, value: unknown): boolean | undefined {
    if (typeof value !== 'boolean') {
      this.problem(key, value, 'must be true or false', 'set it to true or false');
      return undefined;
    }
    return value;
  }

  oneOf<T extends string | number>(key: string, value: unknown, allowed: readonly T[]): T | undefined {
    if (!allowed.includes(value as T)) {
      this.problem(key, value, `must be one of ${allowed.map((a) => show(a)).join(', ')}`, `pick one of ${allowed.map((a) => show(a)).join(', ')}`);
      return undefined;
    }
    return value as T;
  }

  stringList(key: string, value: unknown, check: (item: string) => boolean, what: string, example: string): string[] | undefined {
    if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string' || !check(v))) {
      this.problem(key, value, `must be a non-empty list of ${what}`, `set it to a list like ${example}`);
      return undefined;
    }
    if (new Set(value).size !== value.length) {
      this.problem(key, value, 'has duplicate entries', 'list each value once');
      return undefined;
    }
    return value as string[];
  }
}

function show(value: unknown): string {
  if (value === undefined) return '(missing)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function readStage(r: Reader, name: string, raw: unknown): StageConfig | undefined {
  const key = `${CONTEXT_KEY}.stages.${name}`;
  if (!STAGE_NAME.test(name)) {
    r.problem(`${CONTEXT_KEY}.stages`, name, 'has a stage name that is not 1-10 lowercase letters or digits starting with a letter', 'rename the stage, for example "dev" or "prod"');
  }
  const s = r.object(key, raw);
  if (!s) return undefined;
  const account = s.account === undefined ? undefined : r.string(`${key}.account`, s.account, ACCOUNT, 'a 12-digit AWS account id', '123456789012');
  const region = r.string(`${key}.region`, s.region, REGION, 'an AWS region name', 'eu-west-1');
  const azs = r.stringList(`${key}.availabilityZones`, s.availabilityZones, (az) => REGION.test(az.slice(0, -1)) && /[a-z]$/.test(az), 'availability zone names', '["eu-west-1a", "eu-west-1b"]');
  if (azs && region && azs.some((az) => az.slice(0, -1) !== region)) {
    r.problem(`${key}.availabilityZones`, azs, `names a zone outside region ${region}`, `use zones of ${region}, for example ["${region}a", "${region}b"]`);
  }
  if (azs && azs.length < 2) {
    r.problem(`${key}.availabilityZones`, azs, 'must name at least 2 zones (the load balancer and the database subnet group need two)', `add a second zone, for example "${region ?? 'eu-west-1'}b"`);
  }
  const natGateways = r.integer(`${key}.natGateways`, s.natGateways, 0, azs?.length ?? 6);
  const multiAz = r.boolean(`${key}.multiAz`, s.multiAz);
  const logRetentionDays = r.oneOf(`${key}.logRetentionDays`, s.logRetentionDays, LOG_RETENTION_DAYS.filter((d) => d >= 365));
  const removalPolicy = r.oneOf<StageRemovalPolicy>(`${key}.removalPolicy`, s.removalPolicy, ['destroy', 'retain', 'snapshot']);
  const deletionProtection = r.boolean(`${key}.deletionProtection`, s.deletionProtection);
  const backupRetentionDays = r.integer(`${key}.backupRetentionDays`, s.backupRetentionDays, 7, 35);
  const subdomain = r.string(`${key}.subdomain`, s.subdomain, DNS_LABELS, 'DNS labels (lowercase letters, digits, hyphens) or ""', name);
  const sharedWebAcl = s.sharedWebAcl === undefined ? undefined : r.boolean(`${key}.sharedWebAcl`, s.sharedWebAcl);
  const endpointAzs = s.endpointAzs === undefined ? undefined : r.integer(`${key}.endpointAzs`, s.endpointAzs, 1, azs?.length ?? 6);
  if (account === undefined && s.account !== undefined) return undefined;
  const loadBalancer = s.loadBalancer === undefined ? undefined : r.boolean(`${key}.loadBalancer`, s.loadBalancer);
  if ((s.sharedWebAcl !== undefined && sharedWebAcl === undefined) || (s.endpointAzs !== undefined && endpointAzs === undefined) ||
    (s.loadBalancer !== undefined && loadBalancer === undefined)) return undefined;
  if (!region || !azs || natGateways === undefined || multiAz === undefined || !logRetentionDays || !removalPolicy ||
    deletionProtection === undefined || backupRetentionDays === undefined || subdomain === undefined) {
    return undefined;
  }
  return {
    name, account, region, availabilityZones: azs, natGateways, multiAz, logRetentionDays, removalPolicy, deletionProtection, backupRetentionDays, subdomain,
    ...(sharedWebAcl !== undefined ? { sharedWebAcl } : {}), ...(endpointAzs !== undefined ? { endpointAzs } : {}),
    ...(loadBalancer !== undefined ? { loadBalancer } : {}),
  };
}

function readIdentity(r: Reader, raw: unknown): IdentityConfig | undefined {
  const key = `${CONTEXT_KEY}.identity`;
  const i = r.object(key, raw);
  if (!i) return undefined;
  const provider = r.oneOf(`${key}.provider`, i.provider, ['cognito', 'oidc'] as const);
  const maxTokenAgeSeconds = r.integer(`${key}.maxTokenAgeSeconds`, i.maxTokenAgeSeconds ?? 900, 60, 3600);
  const algorithms = r.stringList(`${key}.algorithms`, i.algorithms ?? ['RS256'], (a) => (ASYMMETRIC_JWT_ALGORITHMS as readonly string[]).includes(a),
    `asymmetric JWS algorithms (${ASYMMETRIC_JWT_ALGORITHMS.join(', ')}); symmetric HS* and "none" are refused`, '["RS256"]');
  if (!provider || maxTokenAgeSeconds === undefined || !algorithms) return undefined;
  if (provider === 'cognito') return { provider, maxTokenAgeSeconds, algorithms };
  const issuer = r.https(`${key}.issuer`, i.issuer);
  const audience = r.stringList(`${key}.audience`, i.audience, (a) => a.length > 0 && a.length <= 256 && !a.includes(','), 'audience strings (the API identifier)', '["https://api.example.com"]');
  const jwksUri = r.https(`${key}.jwksUri`, i.jwksUri);
  const tokenEndpoint = i.tokenEndpoint === undefined ? undefined : r.https(`${key}.tokenEndpoint`, i.tokenEndpoint);
  const revocationEndpoint = i.revocationEndpoint === undefined ? undefined : r.https(`${key}.revocationEndpoint`, i.revocationEndpoint);
  const clientId = i.clientId === undefined && tokenEndpoint === undefined ? undefined
    : r.string(`${key}.clientId`, i.clientId, /^[\x21-\x7e]{1,128}$/, 'the OAuth client id of the app (required with tokenEndpoint)', 'spa-client');
  const requireAccessTokenType = i.requireAccessTokenType === undefined ? true : r.boolean(`${key}.requireAccessTokenType`, i.requireAccessTokenType);
  const scopePrefix = i.scopePrefix === undefined ? '' : r.string(`${key}.scopePrefix`, i.scopePrefix, /^[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]{0,200}$/, 'printable characters without spaces, quotes, commas or backslashes', 'https://api.example.com/');
  if (audience && clientId && audience.includes(clientId)) {
    r.problem(`${key}.audience`, audience, `contains the OAuth client id "${clientId}", which is the aud of ID tokens: an ID token would then pass as an API credential`,
      'set it to the API\'s own identifier at the issuer (resource indicator or API audience, for example "https://api.example.com") and keep the client id in identity.clientId');
  }
  if (!issuer || !audience || !jwksUri || requireAccessTokenType === undefined || scopePrefix === undefined) return undefined;
  if (tokenEndpoint !== undefined && !clientId) return undefined;
  if (audience.includes(clientId ?? '')) return undefined;
  return { provider, issuer, audience, clientId, requireAccessTokenType, scopePrefix, jwksUri, tokenEndpoint, revocationEndpoint, maxTokenAgeSeconds, algorithms };
}

function readPipeline(r: Reader, raw: unknown, stages: StageConfig[]): PipelineConfig | undefined {
  const key = `${CONTEXT_KEY}.pipeline`;
  if (raw === undefined) return undefined;
  const p = r.object(key, raw);
  if (!p) return undefined;
  const enabled = r.boolean(`${key}.enabled`, p.enabled);
  if (!enabled) return enabled === false ? { enabled, region: '', repository: '', branch: '', connectionArn: '' } : undefined;
  const account = p.account === undefined ? undefined : r.string(`${key}.account`, p.account, ACCOUNT, 'a 12-digit AWS account id', '123456789012');
  const region = r.string(`${key}.region`, p.region, REGION, 'an AWS region name', 'eu-west-1');
  const repository = r.string(`${key}.repository`, p.repository, /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'an owner/repository name', 'my-org/aws-security-baseline');
  const branch = r.string(`${key}.branch`, p.branch, /^[A-Za-z0-9._/-]{1,100}$/, 'a branch name', 'main');
  const connectionArn = r.string(`${key}.connectionArn`, p.connectionArn, /^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]{36}$/,
    'a CodeConnections connection ARN', 'arn:aws:codeconnections:eu-west-1:123456789012:connection/00000000-0000-0000-0000-000000000000');
  for (const stage of stages) {
    if (!stage.account) {
      r.problem(`${CONTEXT_KEY}.stages.${stage.name}.account`, stage.account, 'is required when the pipeline is enabled (it deploys each stage to its own account)', 'set the stage\'s 12-digit account id');
    }
  }
  if (!region || !repository || !branch || !connectionArn) return undefined;
  return { enabled, account, region, repository, branch, connectionArn };
}

/**
 * Validates raw context and returns the typed configuration.
 *
 * @param raw the value of the `baseline` context key
 * @param onlyStages stage names to keep (from `-c stages=dev,prod`); all when undefined
 * @throws ConfigError naming every wrong key, its value and the fix
 */
export function parseConfig(raw: unknown, onlyStages?: string[]): BaselineConfig {
  const r = new Reader();
  const c = r.object(CONTEXT_KEY, raw);
  if (!c) throw new ConfigError(r.problems);
  const projectName = r.string(`${CONTEXT_KEY}.projectName`, c.projectName, PROJECT, '3-22 lowercase letters, digits or hyphens starting with a letter', 'secbase');
  const domainName = r.string(`${CONTEXT_KEY}.domainName`, c.domainName, DNS_NAME, 'a lowercase DNS name', 'example.com');
  const zone = r.object(`${CONTEXT_KEY}.hostedZone`, c.hostedZone);
  const zoneId = zone && r.string(`${CONTEXT_KEY}.hostedZone.id`, zone.id, HOSTED_ZONE_ID, 'a Route 53 hosted zone id', 'Z0123456789EXAMPLEABC');
  const zoneName = zone && r.string(`${CONTEXT_KEY}.hostedZone.name`, zone.name, DNS_NAME, 'a lowercase DNS name', 'example.com');
  if (domainName && zoneName && domainName !== zoneName && !domainName.endsWith(`.${zoneName}`)) {
    r.problem(`${CONTEXT_KEY}.domainName`, domainName, `is not inside the hosted zone ${zoneName}`, `use ${zoneName} or a name under it, or point hostedZone at the zone that holds ${domainName}`);
  }
  const identity = readIdentity(r, c.identity);
  const stagesRaw = r.object(`${CONTEXT_KEY}.stages`, c.stages);
  const stages: StageConfig[] = [];
  if (stagesRaw) {
    const names = Object.keys(stagesRaw);
    if (names.length === 0) r.problem(`${CONTEXT_KEY}.stages`, stagesRaw, 'defines no stage', 'add at least one stage, for example "dev"');
    for (const name of names) {
      const stage = readStage(r, name, stagesRaw[name]);
      if (stage) stages.push(stage);
    }
    const subdomains = stages.map((s) => s.subdomain);
    if (new Set(subdomains).size !== subdomains.length) {
      r.problem(`${CONTEXT_KEY}.stages.*.subdomain`, subdomains, 'two stages share a subdomain, so their DNS records would collide', 'give each stage its own subdomain');
    }
    for (const wanted of onlyStages ?? []) {
      if (!names.includes(wanted)) r.problem('stages', wanted, `is not a configured stage (configured: ${names.join(', ')})`, `pass -c stages=${names.join(',')} or add the stage to ${CONTEXT_KEY}.stages`);
    }
  }
  const pipeline = readPipeline(r, c.pipeline, stages);
  if (r.problems.length > 0 || !projectName || !domainName || !zoneId || !zoneName || !identity) {
    throw new ConfigError(r.problems);
  }
  const selected = onlyStages ? stages.filter((s) => onlyStages.includes(s.name)) : stages;
  return { projectName, domainName, hostedZone: { id: zoneId, name: zoneName }, identity, stages: selected, pipeline };
}

/** The stage's fully qualified DNS name (`<subdomain>.<domainName>` or the apex). */
export function stageDomain(config: BaselineConfig, stage: StageConfig): string {
  return stage.subdomain ? `${stage.subdomain}.${config.domainName}` : config.domainName;
}
