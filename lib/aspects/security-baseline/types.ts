import { CfnResource } from 'aws-cdk-lib';
import { CfnProperties } from './cfn';

/** Whether the Aspect reports resources below the baseline or raises them to it. */
export type SecurityBaselineMode = 'report' | 'fix';

/** The security domain a control belongs to. */
export type SecurityBaselineArea = 'transit' | 'input' | 'identity' | 'traffic' | 'infrastructure';

/** Thresholds the controls compare against. */
export interface SecurityBaselineThresholds {
  /**
   * Shortest CloudWatch Logs retention accepted, in days; `fix` sets this value. Must be a retention
   * CloudWatch Logs offers (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
   * 2557, 2922, 3288 or 3653) and at least 365 (AWS Control Tower CT.CLOUDWATCH.PR.2).
   * @default 365
   */
  readonly logRetentionDays?: number;
  /**
   * Shortest HSTS `max-age` accepted on an HTTPS listener, in seconds; `fix` sets this value.
   * From one year (31536000, the HSTS preload minimum) to two years (63072000).
   * @default 31536000 (one year)
   */
  readonly hstsMaxAgeSeconds?: number;
  /**
   * Shortest automated backup retention of a database, in days (7 to 35).
   * @default 7
   */
  readonly backupRetentionDays?: number;
  /**
   * Shortest password a Cognito user pool may accept (14 to 99 characters).
   * @default 14
   */
  readonly minimumPasswordLength?: number;
}

/** The resolved thresholds every control sees. */
export type ResolvedThresholds = Required<SecurityBaselineThresholds>;

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
