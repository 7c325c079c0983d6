import { join } from 'path';
import {
  Annotations, CfnResource, IAspect, IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, PolicyViolation,
  Stack, Stage, Validations,
} from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { MIN_HSTS_MAX_AGE_SECONDS } from '../../constructs/tls-load-balancer/security-headers';
import { LOG_RETENTION_DAYS } from '../../internal/log-retention';
import { renderedProperties } from './cfn';
import { CONTROLS_BY_TYPE, SECURITY_BASELINE_CONTROLS } from './registry';
import {
  ResolvedThresholds, SecurityBaselineArea, SecurityBaselineControl, SecurityBaselineMode, SecurityBaselineThresholds,
} from './types';

/** Name of the validation plugin that reports the findings; acknowledgements read `SecurityBaseline::SecurityBaseline-<id>`. */
export const SECURITY_BASELINE_PLUGIN_NAME = 'SecurityBaseline';
/** Prefix of every finding id: `acknowledge(construct, 'SecurityBaseline-ALB1', reason)`. */
export const SECURITY_BASELINE_RULE_PREFIX = 'SecurityBaseline-';

/** CloudWatch Logs retention values (days), from aws-cdk-lib's `logs.RetentionDays`. */
const LOG_RETENTION_VALUES = LOG_RETENTION_DAYS;
/** The HSTS minimum (one year, the preload list's): the one TlsLoadBalancer enforces. */
const ONE_YEAR_SECONDS = MIN_HSTS_MAX_AGE_SECONDS;

/** The baseline's default thresholds. */
export const SECURITY_BASELINE_DEFAULT_THRESHOLDS: Readonly<Required<SecurityBaselineThresholds>> = Object.freeze({
  logRetentionDays: 365,
  hstsMaxAgeSeconds: ONE_YEAR_SECONDS,
  backupRetentionDays: 7,
  minimumPasswordLength: 14,
});

/** Props of {@link SecurityBaseline}. */
export interface SecurityBaselineProps {
  /**
   * `report`: every resource below the baseline is a synth error (acknowledge one with
   * `acknowledge(construct, 'SecurityBaseline-<id>', reason)`). `fix`: the Aspect raises what it can fix safely
   * to the baseline, records an info annotation for each change, and reports the rest.
   * @default 'report'
   */
  readonly mode?: SecurityBaselineMode;
  /**
   * Controls to turn off, by id (`ALB6` or `SecurityBaseline-ALB6`).
   * @default - every control is on
   */
  readonly disabledControls?: string[];
  /**
   * Mode per control, overriding `mode` (for example `{ ALB2: 'report' }` in an app that otherwise fixes).
   * Only controls that can fix accept `fix`.
   * @default - every control uses `mode`
   */
  readonly controlModes?: { [controlId: string]: SecurityBaselineMode };
  /**
   * Thresholds of the controls that compare with a number.
   * @default - 365 days of logs, one-year HSTS, 7 days of backups, 14-character passwords
   */
  readonly thresholds?: SecurityBaselineThresholds;
}

/** A resource below the baseline that the Aspect reports. */
export interface SecurityBaselineFinding {
  /** `SecurityBaseline-<control id>`: the id to acknowledge. */
  readonly ruleId: string;
  /** The control's id, e.g. `ALB1`. */
  readonly controlId: string;
  /** Construct path of the L1 resource. */
  readonly path: string;
  /** One line: the resource path, the setting, the value found and the fix. */
  readonly message: string;
  /** True when the finding is acknowledged on the resource or one of its scopes (it then does not fail synth). */
  readonly acknowledged: boolean;
}

/** A change `fix` mode made. */
export interface SecurityBaselineChange {
  /** `SecurityBaseline-<control id>`. */
  readonly ruleId: string;
  /** The control's id, e.g. `ALB1`. */
  readonly controlId: string;
  /** Construct path of the L1 resource that was changed. */
  readonly path: string;
  /** What changed, old and new value. */
  readonly change: string;
}

/** A control as the controls table shows it. */
export interface SecurityBaselineControlInfo {
  /** Stable id, e.g. `ALB1`. */
  readonly id: string;
  /** `SecurityBaseline-<id>`: the id findings carry and acknowledgements name. */
  readonly ruleId: string;
  /** The security domains the control belongs to. */
  readonly areas: readonly SecurityBaselineArea[];
  /** One line: what the control requires. */
  readonly title: string;
  /** What a finding says: the setting and the value found. */
  readonly reports: string;
  /** CloudFormation resource types the control judges. */
  readonly resourceTypes: readonly string[];
  /** What `fix` mode does; undefined for controls that only report. */
  readonly fixes?: string;
}

interface FindingRecord {
  readonly control: SecurityBaselineControl;
  readonly resource: CfnResource;
  readonly message: string;
  readonly fix: string;
}

/**
 * Applies the security baseline to any app: visits every L1 resource (whatever construct library made it), and
 * either reports each one below the baseline as a synth error or raises it to the baseline.
 *
 * ```ts
 * Aspects.of(app).add(new SecurityBaseline({ mode: 'fix' }), { priority: AspectPriority.MUTATING });
 * ```
 *
 * Findings reach `cdk synth` through a validation plugin named `SecurityBaseline` that the Aspect registers on
 * the enclosing Stage, so they fail synth like a cdk-nag finding, are listed in `cdk.out/validation-report.json`,
 * and are acknowledged one by one on the construct that causes them.
 */
export class SecurityBaseline implements IAspect {
  /** Every control, for documentation and tooling. */
  public static readonly CONTROLS: readonly SecurityBaselineControlInfo[] = SECURITY_BASELINE_CONTROLS.map((c) => Object.freeze({
    id: c.id, ruleId: `${SECURITY_BASELINE_RULE_PREFIX}${c.id}`, areas: c.areas, title: c.title, reports: c.reports, resourceTypes: c.resourceTypes, fixes: c.fixes,
  }));

  /** The mode of every control without a `controlModes` entry. */
  public readonly mode: SecurityBaselineMode;
  /** The thresholds in force (defaults filled in). */
  public readonly thresholds: Required<SecurityBaselineThresholds>;
  private readonly disabled: ReadonlySet<string>;
  private readonly modes: ReadonlyMap<string, SecurityBaselineMode>;
  private readonly records = new Map<string, FindingRecord>();
  private readonly changeLog = new Map<string, SecurityBaselineChange>();
  private readonly stages = new WeakSet<Stage>();
  private readonly evaluated = new Map<string, Set<IConstruct>>();
  /** A number per resource: findings and changes are keyed by resource, so one Aspect can serve several apps. */
  private readonly resourceIds = new WeakMap<IConstruct, number>();
  private nextResourceId = 0;

  constructor(props: SecurityBaselineProps = {}) {
    this.mode = checkMode('mode', props.mode ?? 'report');
    this.disabled = new Set((props.disabledControls ?? []).map((id, i) => controlId(`disabledControls[${i}]`, id)));
    const modes = new Map<string, SecurityBaselineMode>();
    for (const [key, mode] of Object.entries(props.controlModes ?? {})) {
      const id = controlId(`controlModes.${key}`, key);
      checkMode(`controlModes.${key}`, mode);
      if (mode === 'fix' && !SECURITY_BASELINE_CONTROLS.find((c) => c.id === id)?.fixes) {
        invalid(`controlModes.${key}`, mode, `Fix: ${id} only reports; set it to 'report' or leave it out. Controls that fix: ${fixingIds().join(', ')}.`);
      }
      modes.set(id, mode);
    }
    this.modes = modes;
    this.thresholds = resolveThresholds(props.thresholds ?? {});
  }

  /** Findings of the last synthesis: resources below the baseline that were not fixed (acknowledged ones included). */
  public get findings(): SecurityBaselineFinding[] {
    return [...this.records.values()].map((r) => {
      const ruleId = `${SECURITY_BASELINE_RULE_PREFIX}${r.control.id}`;
      return { ruleId, controlId: r.control.id, path: r.resource.node.path, message: r.message, acknowledged: isAcknowledged(r.resource, ruleId) };
    });
  }

  /** How many resources each control judged (by control id), for coverage evidence. */
  public get evaluations(): Record<string, number> {
    return Object.fromEntries(SECURITY_BASELINE_CONTROLS.map((c) => [c.id, this.evaluated.get(c.id)?.size ?? 0]));
  }

  /** Changes made in `fix` mode. */
  public get changes(): SecurityBaselineChange[] {
    return [...this.changeLog.values()];
  }

  /** Judges one construct: every enabled control for its CloudFormation type, if it is an L1 resource. */
  public visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node)) return;
    const controls = (CONTROLS_BY_TYPE.get(node.cfnResourceType) ?? []).filter((c) => !this.disabled.has(c.id));
    if (controls.length === 0) return;
    this.registerPlugin(node);
    let properties = renderedProperties(node);
    for (const control of controls) {
      const key = `${control.id}#${this.resourceId(node)}`;
      this.evaluated.set(control.id, (this.evaluated.get(control.id) ?? new Set<IConstruct>()).add(node));
      const violation = control.evaluate(node, { properties, thresholds: this.thresholds })[0];
      this.records.delete(key);
      if (!violation) continue;
      const ruleId = `${SECURITY_BASELINE_RULE_PREFIX}${control.id}`;
      const message = `${node.node.path}: ${violation.setting} = ${violation.found}. Fix: ${violation.fix}.`;
      if ((this.modes.get(control.id) ?? this.mode) === 'fix' && violation.apply) {
        const change = violation.apply();
        properties = renderedProperties(node);
        if (control.evaluate(node, { properties, thresholds: this.thresholds }).length === 0) {
          Annotations.of(node).addInfoV2(ruleId, `${node.node.path}: ${change} (${ruleId} fix)`);
          this.changeLog.set(key, { ruleId, controlId: control.id, path: node.node.path, change });
          continue;
        }
        this.records.set(key, { control, resource: node, fix: violation.fix,
          message: `${message} The fix did not take effect: an escape-hatch override or a token keeps the old value.` });
        continue;
      }
      this.records.set(key, { control, resource: node, message, fix: violation.fix });
    }
  }

  private resourceId(node: IConstruct): number {
    let id = this.resourceIds.get(node);
    if (id === undefined) {
      id = this.nextResourceId++;
      this.resourceIds.set(node, id);
    }
    return id;
  }

  /** Registers the plugin that reports this Aspect's findings on the Stage that synthesizes the resource, once. */
  private registerPlugin(node: IConstruct): void {
    const stage = Stage.of(node);
    if (!stage || this.stages.has(stage)) return;
    this.stages.add(stage);
    Validations.of(stage).addPlugins(new SecurityBaselineReport(stage, () => [...this.records.values()]));
  }
}

/** The validation plugin that turns the Aspect's findings into synth errors, one violation per resource. */
class SecurityBaselineReport implements IPolicyValidationPlugin {
  public readonly name = SECURITY_BASELINE_PLUGIN_NAME;
  public readonly ruleIds = SECURITY_BASELINE_CONTROLS.map((c) => `${SECURITY_BASELINE_RULE_PREFIX}${c.id}`);

  constructor(private readonly stage: Stage, private readonly records: () => FindingRecord[]) {}

  public validate(_context: IPolicyValidationContext): PolicyValidationPluginReport {
    const violations: PolicyViolation[] = this.records()
      .filter((r) => Stage.of(r.resource) === this.stage)
      .map((r) => ({
        ruleName: `${SECURITY_BASELINE_RULE_PREFIX}${r.control.id}`,
        description: r.message,
        fix: r.fix,
        severity: 'error',
        ruleMetadata: { area: r.control.areas.join(', '), control: r.control.title },
        violatingResources: [{
          constructPath: r.resource.node.path,
          resourceLogicalId: Stack.of(r.resource).resolve(r.resource.logicalId),
          templatePath: join(this.stage.outdir, Stack.of(r.resource).templateFile),
          locations: [],
        }],
      }));
    return { success: violations.length === 0, violations };
  }
}

/** True when `SecurityBaseline::<ruleId>` is acknowledged on the construct or one of its scopes (as aws-cdk-lib matches it). */
function isAcknowledged(node: IConstruct, ruleId: string): boolean {
  const wanted = `${SECURITY_BASELINE_PLUGIN_NAME}::${ruleId}`;
  return node.node.scopes.some((scope) => scope.node.metadata.some((entry) =>
    entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && entry.data && Object.keys(entry.data).includes(wanted)));
}

function invalid(prop: string, value: unknown, fix: string): never {
  throw new Error(`SecurityBaseline: invalid ${prop} = ${JSON.stringify(value)}. ${fix}`);
}

function fixingIds(): string[] {
  return SECURITY_BASELINE_CONTROLS.filter((c) => c.fixes).map((c) => c.id);
}

function controlId(prop: string, value: string): string {
  const id = typeof value === 'string' ? value.replace(new RegExp(`^${SECURITY_BASELINE_RULE_PREFIX}`), '') : value;
  if (!SECURITY_BASELINE_CONTROLS.some((c) => c.id === id)) {
    invalid(prop, value, `Fix: use a control id: ${SECURITY_BASELINE_CONTROLS.map((c) => c.id).join(', ')}.`);
  }
  return id;
}

function checkMode(prop: string, mode: unknown): SecurityBaselineMode {
  if (mode !== 'report' && mode !== 'fix') invalid(prop, mode, "Fix: use 'report' or 'fix'.");
  return mode as SecurityBaselineMode;
}

function checkWhole(prop: string, value: number | undefined, fallback: number, min: number, max: number, extra = ''): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(prop, value, `Fix: use a whole number from ${min} to ${max}${extra}.`);
  }
  return value;
}

function resolveThresholds(t: SecurityBaselineThresholds): ResolvedThresholds {
  const d = SECURITY_BASELINE_DEFAULT_THRESHOLDS;
  const logRetentionDays = checkWhole('thresholds.logRetentionDays', t.logRetentionDays, d.logRetentionDays, 365, 3653,
    ` that CloudWatch Logs offers (${LOG_RETENTION_VALUES.filter((v) => v >= 365).join(', ')})`);
  if (!LOG_RETENTION_VALUES.includes(logRetentionDays)) {
    invalid('thresholds.logRetentionDays', logRetentionDays,
      `Fix: use a retention CloudWatch Logs offers, at least 365: ${LOG_RETENTION_VALUES.filter((v) => v >= 365).join(', ')}.`);
  }
  return {
    logRetentionDays,
    hstsMaxAgeSeconds: checkWhole('thresholds.hstsMaxAgeSeconds', t.hstsMaxAgeSeconds, d.hstsMaxAgeSeconds, ONE_YEAR_SECONDS, 2 * ONE_YEAR_SECONDS,
      ' (one to two years in seconds)'),
    backupRetentionDays: checkWhole('thresholds.backupRetentionDays', t.backupRetentionDays, d.backupRetentionDays, 7, 35),
    minimumPasswordLength: checkWhole('thresholds.minimumPasswordLength', t.minimumPasswordLength, d.minimumPasswordLength, 14, 99),
  };
}
