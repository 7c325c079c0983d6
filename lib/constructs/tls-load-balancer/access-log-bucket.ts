/**
 * `AccessLogBucket`: a locked-down S3 bucket that receives logs delivered by an AWS service (the load balancer's
 * access logs, or the S3 server access logs of another log bucket), with the rule-pack findings that such a bucket
 * cannot satisfy acknowledged on it, each with the reason.
 */
import { Duration, FeatureFlags, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeEach, packRuleIds } from '../../internal/acknowledge';

const SERVER_ACCESS_LOGS_USE_BUCKET_POLICY = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';

/** Props of {@link AccessLogBucket}. */
export interface AccessLogBucketProps {
  /** What the bucket holds, as it reads in the acknowledgement reasons, for example `Application Load Balancer access logs`. */
  readonly contents: string;
  /** How long log objects (and noncurrent versions, at most 30 days) are kept. */
  readonly retention: Duration;
  /** Removal policy: logs are audit evidence, so callers pass `RETAIN` unless the stage is disposable. */
  readonly removalPolicy: RemovalPolicy;
  /**
   * Bucket that receives this bucket's S3 server access logs.
   * @default - none: this bucket is the end of the log chain (it receives server access logs itself)
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
}

/**
 * A log bucket: public access blocked, TLS (1.2 or later) enforced, SSE-S3 (the only encryption log delivery
 * supports), versioned, lifecycle expiry, ACLs off (except where server access log delivery still needs the
 * LogDeliveryWrite ACL), and its own server access logs unless it is the end of the chain.
 */
export class AccessLogBucket extends s3.Bucket {
  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    const isServerAccessLogTarget = props.serverAccessLogsBucket === undefined;
    super(scope, id, {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: s3.BucketEncryption.S3_MANAGED,
      // ACLs off. A server-access-log target needs the LogDeliveryWrite ACL unless the
      // `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` flag makes CDK grant delivery in the bucket policy.
      objectOwnership: isServerAccessLogTarget && !FeatureFlags.of(scope).isEnabled(SERVER_ACCESS_LOGS_USE_BUCKET_POLICY)
        ? undefined
        : s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      lifecycleRules: [{
        id: 'ExpireLogs',
        expiration: props.retention,
        noncurrentVersionExpiration: Duration.days(30),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      }],
      removalPolicy: props.removalPolicy,
    });
    this.acknowledgeLogBucketFindings(props.contents, props.removalPolicy);
    if (isServerAccessLogTarget) {
      acknowledge(this, 'cdk-validator-cfnguard::s3_bucket_logging_enabled_check',
        'This bucket is the end of the log chain: it receives the server access logs of the load balancer\'s log bucket; logging it to itself would loop and logging it elsewhere would only move the question.');
    }
  }

  /** Log buckets: the delivering services support SSE-S3 only, and logs are not replicated cross-region. */
  private acknowledgeLogBucketFindings(contents: string, removalPolicy: RemovalPolicy): void {
    const kmsReason = `${contents} can be delivered only to buckets encrypted with SSE-S3 (AES-256); AWS does not support SSE-KMS for this destination, so the bucket uses SSE-S3.`;
    const replicationReason = `${contents} are operational evidence kept in the load balancer's region with versioning and lifecycle expiry; cross-region replication would copy them without adding protection the baseline requires.`;
    const packs = ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'] as const;
    acknowledgeEach(this, packRuleIds('S3DefaultEncryptionKMS', packs), kmsReason);
    acknowledgeEach(this, packRuleIds('S3BucketReplicationEnabled', packs), replicationReason);
    // Control Tower proactive controls (cfn-guard) on the same bucket.
    acknowledge(this, 'cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check', kmsReason);
    acknowledge(this, 'cdk-validator-cfnguard::s3_event_notifications_enabled_check',
      `${contents} are read by people and log tools (for example Athena) on demand; nothing consumes a per-object event, so a notification target would be an unused queue or topic.`);
    acknowledge(this, 'cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check',
      `${contents} are kept for the configured retention in a versioned bucket (removal policy ${removalPolicy}) that blocks public access and enforces TLS; object lock would pin a retention that the lifecycle expiry cannot shorten. Pass your own accessLogBucket with object lock where WORM storage is required.`);
  }
}
