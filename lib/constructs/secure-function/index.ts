import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeIfVerified, packRuleIds } from '../../internal/acknowledge';
import { crossStackVpcReason, synchronousInvokers } from '../../internal/app-facts';
import { checkLambdaEnvironmentSize, largestVariable } from '../../internal/environment';
import { checkRange, invalidProp } from '../../internal/errors';
import {
  onlyNetworkAndTracingOnAnyResource, rotationNote, vpcNetworkInterfaceStatement, xrayTracingStatement,
} from '../../internal/lambda-execution-statements';
import { ManagedPolicyRole } from '../../internal/managed-policy-role';
import { SecureLogGroup } from '../logging';

/** Environment variable names that must never carry a value, only a reference (ARN or name). */
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|PRIVATE_?KEY|CREDENTIAL|API_?KEY)/i;
const REFERENCE_SUFFIX = /_(ARN|NAME|ID)$/i;

/** How the function is invoked: decides whether a dead-letter queue can have any effect. */
export enum InvocationType {
  /** Invoked synchronously (API Gateway, an authorizer, a CloudFormation custom resource provider): errors go back to the caller. */
  SYNCHRONOUS = 'SYNCHRONOUS',
  /** Invoked asynchronously (events): failed events go to a dead-letter queue. */
  ASYNCHRONOUS = 'ASYNCHRONOUS',
}

/** Props of {@link SecureFunction}. */
export interface SecureFunctionProps {
  /**
   * The function's code, already built: for example `lambda.Code.fromAsset('build/orders')` (a folder holding
   * `index.js`). Give exactly one of `code` and `entry`.
   * @default - none: `entry` is required instead
   */
  readonly code?: lambda.Code;
  /**
   * Path to a TypeScript or JavaScript entry file that `NodejsFunction` bundles with esbuild at synth, locally
   * (never Docker). Your app then needs `esbuild` installed (`npm install -D esbuild`). Give exactly one of
   * `code` and `entry`.
   * @default - none: `code` is required instead
   */
  readonly entry?: string;
  /**
   * The handler: with `code`, the Lambda handler string (`<file without .js>.<exported function>`); with `entry`,
   * the exported function's name.
   * @default - 'index.handler' with `code`; 'handler' with `entry`
   */
  readonly handler?: string;
  /** What the function does (shown in the console). */
  readonly description: string;
  /** VPC the function runs in (NIST 800-53 / HIPAA / PCI: LambdaInsideVPC). */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets in the VPC.
   * @default - private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups.
   * @default - one new group that allows only outbound HTTPS (443)
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /** KMS key for the function's log group. */
  readonly logsKey: kms.IKey;
  /**
   * Log retention (at least one year).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Removal policy of the log group.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Environment variables. Values must not be secrets: names that look like a
   * secret (PASSWORD, SECRET, API_KEY, ...) must end in _ARN, _NAME or _ID and
   * carry a reference that the handler resolves at run time.
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * KMS key that encrypts the environment variables at rest.
   * @default - the AWS managed key for Lambda
   */
  readonly environmentEncryption?: kms.IKey;
  /**
   * Memory in MB.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Timeout.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Reserved concurrency: caps cost, database connections and blast radius
   * (NIST 800-53 / HIPAA / PCI: LambdaConcurrency). The account must keep 100 unreserved.
   * @default 10
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * How the function is invoked. Asynchronous functions get an encrypted dead-letter queue.
   * @default InvocationType.SYNCHRONOUS
   */
  readonly invocationType?: InvocationType;
  /**
   * Modules left out of the bundle (they must exist in the runtime). Only with `entry`.
   * @default - none: everything, the AWS SDK included, is bundled at the lockfile's versions
   */
  readonly externalModules?: string[];
  /**
   * Instruction set.
   * @default lambda.Architecture.ARM_64
   */
  readonly architecture?: lambda.Architecture;
  /**
   * Minify the bundle. Only with `entry`.
   * @default true
   */
  readonly minify?: boolean;
  /**
   * Emit a source map (adds to bundle size and cold start). Only with `entry`.
   * @default false
   */
  readonly sourceMap?: boolean;
}

/**
 * A Node.js Lambda function with the baseline's defaults: latest runtime, in a
 * VPC, reserved concurrency, X-Ray tracing, JSON logs to a KMS-encrypted log
 * group with retention, a least-privilege role with no managed policies, and no
 * secrets in environment variables. The code is either built already (`code`,
 * a `lambda.Function`) or bundled locally with esbuild from `entry` (a
 * `NodejsFunction`).
 *
 * It is a principal (`iam.IGrantable`: `bucket.grantRead(fn)`) and has connections (`ec2.IConnectable`:
 * `database.connections.allowDefaultPortFrom(fn)`); where an API needs a `lambda.IFunction` (an integration, an event
 * source, a load balancer target), pass `SecureFunction.function`. It is not an `IFunction` itself: every
 * invoke permission, event source and URL then lives on the one function, where the construct's synth-time checks
 * (which invokers can reach it, whether a dead-letter queue could apply) read them.
 */
export class SecureFunction extends Construct implements ec2.IConnectable, iam.IGrantable {
  /**
   * The Lambda function (a `NodejsFunction` when built from `entry`): pass it where a `lambda.IFunction` is needed. Typed
   * as the class so `addEnvironment()`, `currentVersion` and `addAlias()` stay at hand.
   */
  public readonly function: lambda.Function;
  /** The execution role (its permissions live in one customer-managed policy). */
  public readonly role: iam.IRole;
  /** The log group. */
  public readonly logGroup: logs.ILogGroup;
  /** The dead-letter queue (asynchronous functions only; synchronous functions return errors to their caller). */
  public readonly deadLetterQueue?: sqs.IQueue;
  /** Network access of the function (its security groups; outbound HTTPS only by default). */
  public readonly connections: ec2.Connections;
  /** The principal to grant permissions to (the execution role). */
  public readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: SecureFunctionProps) {
    super(scope, id);
    this.checkProps(props);
    this.logGroup = new SecureLogGroup(this, 'LogGroup', {
      encryptionKey: props.logsKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.logRemovalPolicy,
    });

    this.role = this.executionRole();
    const securityGroups = props.securityGroups ?? [this.defaultSecurityGroup(props.vpc)];
    if ((props.invocationType ?? InvocationType.SYNCHRONOUS) === InvocationType.ASYNCHRONOUS) {
      this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
        encryption: sqs.QueueEncryption.KMS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
    }

    this.function = this.functionConfiguration(props, securityGroups);
    this.node.defaultChild = this.function.node.defaultChild;
    this.connections = this.function.connections;
    this.grantPrincipal = this.role;
    this.acknowledgeInapplicableFindings(props);
  }

  /** Throws at synth on a missing or doubled code source, out-of-range sizes, a secret in a variable or variables over 4 KB. */
  private checkProps(props: SecureFunctionProps): void {
    checkCodeSource(this, props);
    checkRange(this, 'memorySize', props.memorySize, 128, 10240);
    checkRange(this, 'reservedConcurrentExecutions', props.reservedConcurrentExecutions, 1, 1000);
    for (const [name, value] of Object.entries(props.environment ?? {})) {
      if (SECRET_NAME.test(name) && !REFERENCE_SUFFIX.test(name)) {
        invalidProp(this, `environment.${name}`, Token.isUnresolved(value) ? '(token)' : '(value hidden)',
          'Fix: never put a secret in an environment variable; store it in Secrets Manager (ManagedSecret), pass its ARN as ' +
          `${name}_ARN and read it at run time with Secrets Manager's GetSecretValue (@aws-sdk/client-secrets-manager).`);
      }
    }

    // Lambda refuses a deployment whose variables exceed 4 KB together: say so at synth, naming the largest one.
    const environment = props.environment ?? {};
    checkLambdaEnvironmentSize(this, 'environment', environment, largestVariable(environment),
      'pass less configuration through variables (shorten the largest, or move it to a file in the code asset).');
  }

  /**
   * The execution role: a customer-managed policy with writes to its own log group only, plus the network-interface and
   * X-Ray statements every VPC-attached, traced function needs (lib/internal/lambda-execution-statements.ts).
   */
  private executionRole(): ManagedPolicyRole {
    const role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${this.node.path}`,
    });
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'WriteOwnLogGroup',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [this.logGroup.logGroupArn],
    }));
    role.addToPolicy(vpcNetworkInterfaceStatement());
    role.addToPolicy(xrayTracingStatement());
    acknowledgeIfVerified(role, ['AwsSolutions-IAM5[Resource::*]'], () => (onlyNetworkAndTracingOnAnyResource(role)
      ? 'Checked at synth: the only actions this role allows on Resource "*" are ec2:CreateNetworkInterface/Describe*/DeleteNetworkInterface, ' +
        `which Lambda needs to attach the function to its VPC, and xray:PutTraceSegments/PutTelemetryRecords for tracing${rotationNote(role)}; ` +
        'these actions do not support resource-level permissions, so AWS documents Resource "*" for them. Log writes are scoped to the function\'s own log group.'
      : undefined));
    return role;
  }

  /** The function: from built `code`, or bundled from `entry` with esbuild at synth (never Docker). */
  private functionConfiguration(props: SecureFunctionProps, securityGroups: ec2.ISecurityGroup[]): lambda.Function {
    const functionProps: lambda.FunctionOptions = {
      description: props.description,
      architecture: props.architecture ?? lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions ?? 10,
      role: this.role,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups,
      environment: props.environment,
      environmentEncryption: props.environmentEncryption,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      deadLetterQueueEnabled: this.deadLetterQueue !== undefined ? true : undefined,
      deadLetterQueue: this.deadLetterQueue,
    };
    // The construct id stays 'Resource' either way, so switching between code and entry keeps the logical id.
    return props.code !== undefined
      ? new lambda.Function(this, 'Resource', {
        ...functionProps,
        runtime: lambda.Runtime.NODEJS_LATEST,
        code: props.code,
        handler: props.handler ?? 'index.handler',
      })
      : new nodejs.NodejsFunction(this, 'Resource', {
        ...functionProps,
        runtime: lambda.Runtime.NODEJS_LATEST,
        entry: props.entry,
        handler: props.handler ?? 'handler',
        bundling: {
          minify: props.minify ?? true,
          sourceMap: props.sourceMap ?? false,
          format: nodejs.OutputFormat.CJS,
          bundleAwsSDK: true,
          externalModules: props.externalModules ?? [],
          forceDockerBundling: false,
          logLevel: nodejs.LogLevel.ERROR,
          esbuildArgs: { '--legal-comments': 'none' },
        },
      });
  }

  /**
   * Findings that cannot apply to this function, acknowledged at synth end when the app shows why: the VPC check on
   * subnet ids from another stack, and the dead-letter-queue rules when only synchronous callers may invoke it.
   */
  private acknowledgeInapplicableFindings(props: SecureFunctionProps): void {
    if (Stack.of(props.vpc) !== Stack.of(this)) {
      const cfn = this.function.node.defaultChild as lambda.CfnFunction;
      acknowledgeIfVerified(this.function, ['cdk-validator-cfnguard::lambda_inside_vpc_check'], () => crossStackVpcReason(cfn, props.vpc, 'The function'));
    }
    if (this.deadLetterQueue === undefined) {
      acknowledgeIfVerified(this.function, packRuleIds('LambdaDLQ', ['NIST.800.53.R5', 'HIPAA.Security', 'Serverless']), () => {
        const invokers = synchronousInvokers(this.function);
        if (invokers === undefined) return undefined;
        return 'Declared synchronous (invocationType SYNCHRONOUS) and checked at synth: ' +
          (invokers.length > 0 ? `its resource policy lets only ${invokers.join(', ')} invoke it, which call synchronously,` : 'its resource policy lets no service invoke it,') +
          ' and it has no asynchronous invoke configuration. Errors return to the caller, and Lambda dead-letter queues only apply to asynchronous ' +
          'invocations, so a DLQ would never receive a message.';
      });
    }
  }

  /** The function's ARN. */
  public get functionArn(): string {
    return this.function.functionArn;
  }

  private defaultSecurityGroup(vpc: ec2.IVpc): ec2.SecurityGroup {
    const sg = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: `${Stack.of(this).stackName} ${this.node.id}: outbound HTTPS only`,
      allowAllOutbound: false,
    });
    sg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS endpoints and the JWKS issuer');
    return sg;
  }
}

/** Exactly one of `code` and `entry`; the bundling props only make sense with `entry`. */
function checkCodeSource(scope: Construct, props: SecureFunctionProps): void {
  if (props.code !== undefined && props.entry !== undefined) {
    invalidProp(scope, 'entry', props.entry, 'Fix: give either code (built already, for example lambda.Code.fromAsset(dir)) or entry (bundled with esbuild at synth), not both.');
  }
  if (props.code === undefined && props.entry === undefined) {
    invalidProp(scope, 'code', undefined, 'Fix: give code (built already, for example lambda.Code.fromAsset(dir) with handler \'index.handler\') or entry (a TypeScript file bundled with esbuild at synth).');
  }
  if (props.code !== undefined) {
    for (const prop of ['minify', 'sourceMap', 'externalModules'] as const) {
      if (props[prop] !== undefined) {
        invalidProp(scope, prop, props[prop], `Fix: ${prop} only applies to entry (bundling at synth); build your code with it instead, or remove it.`);
      }
    }
  }
}
