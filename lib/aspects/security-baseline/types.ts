import { CfnResource, Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { CfnProperties } from './cfn';

/** Whether the Aspect reports resources below the baseline or raises them to it. */
export enum SecurityBaselineMode {
  /** Every resource below the baseline is a synth error (until acknowledged on its construct). */
  REPORT = 'report',
  /** The Aspect raises what it can fix safely to the baseline, records each change, and reports the rest. */
  FIX = 'fix',
}

/** The security domain a control belongs to. */
export enum SecurityBaselineArea {
  /** Data in transit: TLS policies, HTTPS redirects, HSTS. */
  TRANSIT = 'transit',
  /** Input validation. */
  INPUT = 'input',
  /** Identity: authentication, IAM authentication, MFA, passwords. */
  IDENTITY = 'identity',
  /** Traffic control: web firewall, throttling, network ingress. */
  TRAFFIC = 'traffic',
  /** Infrastructure: encryption at rest, logging, backups, deletion protection. */
  INFRASTRUCTURE = 'infrastructure',
}

/** Thresholds the controls compare against. */
export interface SecurityBaselineThresholds {
  /**
   * Shortest CloudWatch Logs retention accepted; `fix` sets this value. At least one year
   * (`RetentionDays.ONE_YEAR`, AWS Control Tower CT.CLOUDWATCH.PR.2) and at most ten years (`TEN_YEARS`).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Shortest HSTS `max-age` accepted on an HTTPS listener; `fix` sets this value. A whole number of seconds from one
   * year (365 days, the HSTS preload minimum) to two years (730 days).
   * @default Duration.days(365)
   */
  readonly hstsMaxAge?: Duration;
  /**
   * Shortest automated backup retention of a database: whole days from 7 to 35.
   * @default Duration.days(7)
   */
  readonly backupRetention?: Duration;
  /**
   * Shortest password a Cognito user pool may accept (14 to 99 characters).
   * @default 14
   */
  readonly minimumPasswordLength?: number;
}

/** The resolved thresholds every control sees, as the numbers the templates carry. */
export interface ResolvedThresholds {
  /** Shortest log retention, in days (a value of `logs.RetentionDays`). */
  readonly logRetentionDays: number;
  /** Shortest HSTS max-age, in seconds. */
  readonly hstsMaxAgeSeconds: number;
  /** Shortest backup retention, in days. */
  readonly backupRetentionDays: number;
  /** Shortest password length, in characters. */
  readonly minimumPasswordLength: number;
}

/** What a control sees of the resource it judges. */
export interface ControlContext {
  /** The resource's properties as its template will carry them (overrides applied, tokens resolved). */
  readonly properties: CfnProperties;
  readonly thresholds: ResolvedThresholds;
}

/** One setting below the baseline, as a control reports it. */
export interface ControlViolation {
  /** The CloudFormation setting, e.g. `SslPolicy` or `LoadBalancerAttributes[routing.http.drop_invalid_header_fields.enabled]`. */
  readonly setting: string;
  /** The value found, already formatted for a message. */
  readonly found: string;
  /** What the baseline wants, phrased as the fix ("set it to ...", "add ..."). */
  readonly fix: string;
  /**
   * Raises the resource to the baseline and returns what it changed (for the info annotation).
   * Absent when the control cannot fix this violation safely: it is then reported in `fix` mode too.
   */
  readonly apply?: () => string;
  /**
   * Why the change can reject traffic the old value accepted (for example stricter HTTP parsing on an internet-facing
   * load balancer): `fix` mode then records the change as a warning instead of an info line, so it is reviewed.
   */
  readonly review?: string;
}

/** A security control: a pure function of one L1 resource (plus the app, for controls that span resources). */
export interface SecurityBaselineControl {
  /** Stable id; findings are acknowledged as `SecurityBaseline-<id>`. */
  readonly id: string;
  readonly areas: readonly SecurityBaselineArea[];
  /** One line: what the control requires. */
  readonly title: string;
  /** What a finding says (the setting and the value found), for the controls table. */
  readonly reports: string;
  /** CloudFormation resource types the control judges. */
  readonly resourceTypes: readonly string[];
  /** What `fix` mode does, for the controls table; `undefined` when the control only reports. */
  readonly fixes?: string;
  /** Returns the violations of the resource (empty when compliant or not applicable). */
  evaluate(resource: CfnResource, context: ControlContext): ControlViolation[];
}
