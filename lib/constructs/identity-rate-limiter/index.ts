import { Duration, Names, RemovalPolicy, Size, SizeRoundingBehavior, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledgeEach, packRuleIds } from '../../internal/acknowledge';
import { checkRange, invalidProp } from '../../internal/errors';
import { denyGrantsExceptForAwsServices } from '../../internal/key-policy';
import { warn } from '../../internal/warnings';

/**
 * Engine and major version of the serverless cache. ElastiCache IAM authentication needs Valkey 7.2 or later (Valkey 7 on
 * ElastiCache Serverless is 7.2) or Redis OSS 7 or later.
 */
export class RateLimitCacheEngine {
  /** Valkey 8 (the open-source Redis fork; cheaper on ElastiCache Serverless). */
  public static readonly VALKEY_8 = new RateLimitCacheEngine('valkey', '8');
  /** Valkey 7 (7.2 on ElastiCache Serverless). */
  public static readonly VALKEY_7 = new RateLimitCacheEngine('valkey', '7');
  /** Redis OSS 7. */
  public static readonly REDIS_7 = new RateLimitCacheEngine('redis', '7');

  /** A Valkey major version this library does not name yet (7 or later; checked at synth). */
  public static valkey(majorVersion: string): RateLimitCacheEngine {
    return new RateLimitCacheEngine('valkey', majorVersion);
  }

  /** A Redis OSS major version this library does not name yet (7 or later; checked at synth). */
  public static redis(majorVersion: string): RateLimitCacheEngine {
    return new RateLimitCacheEngine('redis', majorVersion);
  }

  /** The engine of the cache, its users and its user group: `valkey` or `redis`. */
  public readonly engineName: string;
  /** The major engine version (`MajorEngineVersion` of the cache), for example `8`. */
  public readonly majorVersion: string;

  private constructor(engineName: string, majorVersion: string) {
    this.engineName = engineName;
    this.majorVersion = majorVersion;
  }
}

/** The port of the serverless cache's primary (read-write) endpoint. */
export const RATE_LIMIT_CACHE_PORT = 6379;

/** Props of {@link IdentityRateLimiter}. */
export interface IdentityRateLimiterProps {
  /** VPC the cache lives in. */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the cache endpoints (two or three, in different AZs). Public subnets are refused.
   * @default - the isolated subnets (PRIVATE_ISOLATED)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Customer-managed KMS key that encrypts the cache and its snapshots at rest.
   * @default - a new key with annual rotation that grants only to AWS resources
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Engine and major version (IAM authentication needs Valkey 7.2+ or Redis OSS 7+).
   * @default RateLimitCacheEngine.VALKEY_8
   */
  readonly engine?: RateLimitCacheEngine;
  /**
   * Handlers that call the limiter: the cache admits them on port 6379 (and nothing else). Later, use
   * `limiter.connections.allowDefaultPortFrom(client)`. Across stacks, put the handlers in
   * {@link IdentityRateLimiter.clientSecurityGroup} instead (the rule then lives here: no reference cycle).
   * @default - none; only members of `clientSecurityGroup`
   */
  readonly clients?: ec2.IConnectable[];
  /**
   * Upper limit of stored data, in whole GiB from 1 to 5000 (ElastiCache throttles writes above it; caps cost).
   * @default Size.gibibytes(1)
   */
  readonly maxDataStorage?: Size;
  /**
   * Upper limit of ElastiCache Processing Units per second (one limiter check costs about one ECPU; caps cost).
   * @default 10000
   */
  readonly maxEcpuPerSecond?: number;
  /**
   * Daily snapshot start time, `HH:MM` UTC (the format of the cache's `DailySnapshotTime`, as aws-cdk-lib's RDS windows
   * are strings).
   * @default '03:00'
   */
  readonly dailySnapshotTime?: string;
  /**
   * How long daily snapshots are kept, in whole days from 0 to 35 (`Duration.days(0)` turns snapshots off, with a synth
   * warning; rate-limit state expires within a window anyway).
   * @default Duration.days(1)
   */
  readonly snapshotRetention?: Duration;
  /**
   * Name of the cache; also the prefix of its user and user-group ids. Lowercase, at most 32 characters.
   * @default - derived from the construct path
   */
  readonly cacheName?: string;
  /**
   * Prefix of the limiter's keys; the cache user may touch only `<keyPrefix>:*`.
   * @default 'rl:v1'
   */
  readonly keyPrefix?: string;
  /**
   * Removal policy of the cache. Its data are counters that expire within one rate-limit window.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An ElastiCache Serverless cache (Valkey by default) for per-identity rate
 * limiting: isolated subnets, TLS in transit (always on for serverless caches),
 * encryption at rest with a customer-managed key, IAM authentication for a user
 * that may only run the limiter's script on the limiter's keys, the default user
 * disabled, a security group that admits only the given handlers, usage limits
 * and daily snapshots.
 */
export class IdentityRateLimiter extends Construct implements ec2.IConnectable {
  /** The serverless cache (L1). */
  public readonly cache: elasticache.CfnServerlessCache;
  /** The IAM-authenticated ElastiCache user the handlers connect as. */
  public readonly user: elasticache.CfnUser;
  /** The cache's user group: the disabled default user and {@link IdentityRateLimiter.user}. */
  public readonly userGroup: elasticache.CfnUserGroup;
  /** Key that encrypts the cache at rest. */
  public readonly encryptionKey: kms.IKey;
  /** Security group of the cache. */
  public readonly securityGroup: ec2.ISecurityGroup;
  /** Put handlers in this group to let them reach the cache (it may only talk to the cache, on 6379). */
  public readonly clientSecurityGroup: ec2.ISecurityGroup;
  /** Connections of the cache (default port 6379). */
  public readonly connections: ec2.Connections;
  /** Name of the cache (lowercase; part of IAM auth tokens). */
  public readonly cacheName: string;
  /** ElastiCache user id (and user name) for IAM authentication. */
  public readonly userId: string;
  /** Access string of {@link IdentityRateLimiter.user}: the limiter's script, on the limiter's keys, nothing else. */
  public readonly accessString: string;
  /** Key prefix the user is confined to. */
  public readonly keyPrefix: string;
  /** Primary endpoint host name (TLS). */
  public readonly endpointAddress: string;
  /** Primary endpoint port (a token: the cache's `Endpoint.Port` attribute). */
  public readonly endpointPort: number;

  constructor(scope: Construct, id: string, props: IdentityRateLimiterProps) {
    super(scope, id);
    const { engine, storageGb, retention } = this.validate(props);
    this.keyPrefix = props.keyPrefix ?? 'rl:v1';
    this.cacheName = props.cacheName ?? defaultName(this);
    const subnets = this.subnetsConfiguration(props);

    // Network: the cache admits only its clients on 6379; clients in clientSecurityGroup may only reach the cache.
    const network = this.networkConfiguration(props);
    this.securityGroup = network.securityGroup;
    this.connections = network.connections;
    this.clientSecurityGroup = network.clientSecurityGroup;

    // Encryption at rest: a customer-managed key.
    this.encryptionKey = props.encryptionKey ?? this.createKey();

    // Authentication: IAM only. The user may run the limiter's script on the limiter's keys; nothing else.
    this.userId = `${this.cacheName}-app`;
    this.accessString = rateLimitAccessString(this.keyPrefix);
    this.user = new elasticache.CfnUser(this, 'User', {
      engine: engine.engineName,
      userId: this.userId,
      userName: this.userId,
      authenticationMode: { Type: 'iam' },
      accessString: this.accessString,
    });
    this.userGroup = this.userGroupConfiguration(engine.engineName);

    this.cache = this.cacheConfiguration(props, engine, storageGb, subnets, retention);
    this.node.defaultChild = this.cache;
    this.endpointAddress = this.cache.attrEndpointAddress;
    this.endpointPort = Token.asNumber(this.cache.attrEndpointPort);
    if (retention === 0) {
      warn(this, 'identity-rate-limiter:no-snapshots', 'snapshotRetention is 0 days: the rate-limit cache has no snapshots.');
    }
  }

  /** Checks the props (engine and version, limits, snapshots, names); returns the engine, storage limit and snapshot retention to use. */
  private validate(props: IdentityRateLimiterProps): { engine: RateLimitCacheEngine; storageGb: number; retention: number } {
    const engine = props.engine ?? RateLimitCacheEngine.VALKEY_8;
    if (!(engine instanceof RateLimitCacheEngine) || !['valkey', 'redis'].includes(engine.engineName)) {
      invalidProp(this, 'engine', engine, 'Fix: use RateLimitCacheEngine.VALKEY_8, VALKEY_7 or REDIS_7, or RateLimitCacheEngine.valkey(major) / redis(major).');
    }
    const version = engine.majorVersion;
    if (!Token.isUnresolved(version) && !(/^\d+$/.test(version) && Number(version) >= 7)) {
      invalidProp(this, 'engine', `${engine.engineName} ${version}`, 'Fix: use major version 7 or later (ElastiCache IAM authentication needs Valkey 7.2+ or Redis OSS 7+).');
    }
    const storageGb = this.storageGb(props.maxDataStorage ?? Size.gibibytes(1));
    checkRange(this, 'maxEcpuPerSecond', props.maxEcpuPerSecond, 1000, 15_000_000);
    const retention = this.retentionDays(props.snapshotRetention ?? Duration.days(1));
    if (props.dailySnapshotTime !== undefined && !Token.isUnresolved(props.dailySnapshotTime)) {
      if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(props.dailySnapshotTime)) {
        invalidProp(this, 'dailySnapshotTime', props.dailySnapshotTime, 'Fix: use HH:MM in UTC, for example "03:00".');
      }
      if (retention === 0) {
        invalidProp(this, 'dailySnapshotTime', props.dailySnapshotTime, 'Fix: snapshotRetention is 0 days (snapshots off); drop dailySnapshotTime or keep at least Duration.days(1).');
      }
    }
    const keyPrefix = props.keyPrefix ?? 'rl:v1';
    if (!Token.isUnresolved(keyPrefix) && !/^[A-Za-z0-9:_-]{1,32}$/.test(keyPrefix)) {
      invalidProp(this, 'keyPrefix', keyPrefix, 'Fix: 1-32 characters of A-Z a-z 0-9 : _ - (it must match the runtime RATE_LIMIT_CONFIG keyPrefix).');
    }
    if (props.cacheName !== undefined && !Token.isUnresolved(props.cacheName)
      && !(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(props.cacheName) && props.cacheName.length <= 32)) {
      invalidProp(this, 'cacheName', props.cacheName, 'Fix: 1-32 lowercase letters, digits and single hyphens, starting with a letter (IAM auth needs lowercase names).');
    }
    return { engine, storageGb, retention };
  }

  /** `maxDataStorage` in whole GiB from 1 to 5000 (ElastiCache's unit); a token is passed through. */
  private storageGb(size: Size): number {
    if (size.isUnresolved()) return size.toGibibytes();
    const gb = size.toGibibytes({ rounding: SizeRoundingBehavior.NONE });
    if (!Number.isInteger(gb) || gb < 1 || gb > 5000) {
      invalidProp(this, 'maxDataStorage', `${gb} GiB`, 'Fix: use whole GiB from 1 to 5000, for example Size.gibibytes(5).');
    }
    return gb;
  }

  /** `snapshotRetention` in whole days from 0 (no snapshots) to 35; a token is passed through. */
  private retentionDays(retention: Duration): number {
    if (retention.isUnresolved()) return retention.toDays();
    const days = retention.toDays({ integral: false });
    if (!Number.isInteger(days) || days < 0 || days > 35) {
      invalidProp(this, 'snapshotRetention', retention.toHumanString(), 'Fix: keep snapshots 0 to 35 whole days, for example Duration.days(7) (Duration.days(0) turns them off).');
    }
    return days;
  }

  /** The cache's subnets: never public, at least two. */
  private subnetsConfiguration(props: IdentityRateLimiterProps): ec2.SelectedSubnets {
    const subnets = props.vpc.selectSubnets(props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    const publicIds = new Set(props.vpc.publicSubnets.map((s) => s.subnetId));
    if (subnets.subnetIds.some((s) => publicIds.has(s))) {
      invalidProp(this, 'vpcSubnets', props.vpcSubnets, 'Fix: select private or isolated subnets; a rate-limit cache must not sit in a public subnet.');
    }
    if (subnets.subnetIds.length < 2) {
      invalidProp(this, 'vpcSubnets', props.vpcSubnets, 'Fix: select subnets in at least two Availability Zones (ElastiCache Serverless needs two or three).');
    }
    return subnets;
  }

  /** The cache's security group (admits only its clients) and the clients' group (may only reach the cache). */
  private networkConfiguration(props: IdentityRateLimiterProps): { securityGroup: ec2.SecurityGroup; connections: ec2.Connections; clientSecurityGroup: ec2.SecurityGroup } {
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `Rate-limit cache ${this.cacheName}: admits only its clients on ${RATE_LIMIT_CACHE_PORT}`,
      allowAllOutbound: false,
    });
    const connections = new ec2.Connections({ securityGroups: [securityGroup], defaultPort: ec2.Port.tcp(RATE_LIMIT_CACHE_PORT) });
    const clientSecurityGroup = new ec2.SecurityGroup(this, 'ClientSecurityGroup', {
      vpc: props.vpc,
      description: `Clients of rate-limit cache ${this.cacheName}`,
      allowAllOutbound: false,
    });
    for (const client of [clientSecurityGroup, ...props.clients ?? []]) {
      connections.allowDefaultPortFrom(client, `Rate-limit client to ${this.cacheName}`);
    }
    return { securityGroup, connections, clientSecurityGroup };
  }

  /**
   * The user group: the IAM user, and the user named "default" that every user group must contain. Ours is switched
   * off (its access string disables the user and every command) and its random password lives only in Secrets Manager,
   * so no one can authenticate as it.
   */
  private userGroupConfiguration(engine: string): elasticache.CfnUserGroup {
    const defaultPassword = new secretsmanager.Secret(this, 'DisabledDefaultUserPassword', {
      description: `Password of the disabled default user of rate-limit cache ${this.cacheName} (never used to connect)`,
      encryptionKey: this.encryptionKey,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeEach(defaultPassword, [
      'AwsSolutions-SMG4', ...packRuleIds('SecretsManagerRotationEnabled', ['NIST.800.53.R5', 'HIPAA.Security']), 'SecurityBaseline-SECRET1',
    ], 'This password belongs to the ElastiCache "default" user that every user group must contain; the user is disabled (access string "off -@all"), so the password can never authenticate and rotating it would protect nothing. Clients use IAM tokens that expire after 15 minutes.');
    const defaultUser = new elasticache.CfnUser(this, 'DisabledDefaultUser', {
      engine,
      userId: `${this.cacheName}-default`,
      userName: 'default',
      authenticationMode: { Type: 'password', Passwords: [defaultPassword.secretValue.unsafeUnwrap()] },
      accessString: 'off -@all',
    });
    const userGroup = new elasticache.CfnUserGroup(this, 'UserGroup', {
      engine,
      userGroupId: `${this.cacheName}-users`,
      userIds: [defaultUser.userId, this.user.userId],
    });
    userGroup.addResourceDependency(defaultUser);
    userGroup.addResourceDependency(this.user);
    return userGroup;
  }

  /** The cache: serverless (TLS always on), isolated subnets, CMK, usage limits, snapshots. */
  private cacheConfiguration(
    props: IdentityRateLimiterProps, engine: RateLimitCacheEngine, storageGb: number, subnets: ec2.SelectedSubnets, retention: number,
  ): elasticache.CfnServerlessCache {
    const cache = new elasticache.CfnServerlessCache(this, 'Resource', {
      serverlessCacheName: this.cacheName,
      description: 'Per-identity rate-limit state (GCRA buckets)',
      engine: engine.engineName,
      majorEngineVersion: engine.majorVersion,
      subnetIds: subnets.subnetIds,
      securityGroupIds: [this.securityGroup.securityGroupId],
      kmsKeyId: this.encryptionKey.keyArn,
      userGroupId: this.userGroup.userGroupId,
      cacheUsageLimits: {
        dataStorage: { maximum: storageGb, unit: 'GB' },
        ecpuPerSecond: { maximum: props.maxEcpuPerSecond ?? 10_000 },
      },
      snapshotRetentionLimit: retention,
      dailySnapshotTime: retention > 0 ? (props.dailySnapshotTime ?? '03:00') : undefined,
    });
    cache.addResourceDependency(this.userGroup);
    cache.node.addDependency(subnets.internetConnectivityEstablished);
    cache.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.DESTROY);
    return cache;
  }

  /** Grants `elasticache:Connect` on this cache and its IAM-authenticated user only. */
  public grantConnect(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['elasticache:Connect'],
      resourceArns: [this.cache.attrArn, this.user.attrArn],
    });
  }

  /**
   * Environment variables a handler's rate-limit client needs to connect (see the construct's README): endpoint,
   * cache name, user id, key prefix.
   */
  public clientEnvironment(): Record<string, string> {
    return {
      RATE_LIMIT_REDIS_HOST: this.endpointAddress,
      RATE_LIMIT_REDIS_PORT: this.cache.attrEndpointPort,
      RATE_LIMIT_CACHE_NAME: this.cacheName,
      RATE_LIMIT_USER_ID: this.userId,
      RATE_LIMIT_KEY_PREFIX: this.keyPrefix,
    };
  }

  private createKey(): kms.Key {
    const key = new kms.Key(this, 'Key', {
      description: `Encryption at rest of rate-limit cache ${this.cacheName} (${Stack.of(this).stackName})`,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    denyGrantsExceptForAwsServices(key);
    return key;
  }
}

/**
 * The ACL of the limiter's cache user: connection commands, `EVALSHA` and `SCRIPT LOAD`, and the
 * commands the GCRA script runs (`GET`, `SET`, `TIME`), on keys under `<keyPrefix>:` only.
 * No `KEYS`, `FLUSHALL`, `CONFIG`, `INFO`, `EVAL` of arbitrary code, or other keys.
 */
export function rateLimitAccessString(keyPrefix: string): string {
  return `on ~${keyPrefix}:* -@all +@connection +evalsha +script|load +get +set +time`;
}

/** A lowercase, hyphen-separated name of at most 32 characters, unique in the app (construct path + hash). */
function defaultName(scope: Construct): string {
  const raw = Names.uniqueResourceName(scope, { maxLength: 32, separator: '-' }).toLowerCase();
  let name = raw.replace(/[^a-z0-9-]/g, '').replace(/-+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '');
  if (name.length === 0) name = 'rate-limit';
  return name.slice(0, 32).replace(/-+$/, '');
}
