import { Annotations, CfnResource, Duration, IAspect, Stage, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import { MIN_HSTS_MAX_AGE_SECONDS } from '../../constructs/tls-load-balancer/security-headers';
import { BaselineError, BaselineErrorCode } from '../../internal/errors';
import { LOG_RETENTION_DAYS } from '../../internal/log-retention';
import { warn } from '../../internal/warnings';
import { hasPublicProperties, PublicReader, renderedProperties, TemplateReader, withReader } from './cfn';
import { applyInheritedBaselines, checkNestedStages } from './stages';
import { CONTROLS_BY_TYPE, SECURITY_BASELINE_CONTROLS } from './registry';
import {
  checkAcknowledgements, FindingRecord, joinReport, ReportParticipant, SECURITY_BASELINE_PLUGIN_NAME, SECURITY_BASELINE_RULE_PREFIX,
} from './report';
import {
  ResolvedThresholds, SecurityBaselineArea, SecurityBaselineControl, SecurityBaselineMode, SecurityBaselineThresholds,
} from './types';

/** The retentions (`logs.RetentionDays`) a threshold accepts: one year to ten years, as CloudWatch Logs offers them. */
const LOG_RETENTION_VALUES = LOG_RETENTION_DAYS.filter((v) => v >= logs.RetentionDays.ONE_YEAR);
/** The HSTS minimum (one year, the preload list's): the one TlsLoadBalancer enforces. */
const ONE_YEAR_SECONDS = MIN_HSTS_MAX_AGE_SECONDS;

/** The baseline's default thresholds, as numbers (what the controls compare). */
const DEFAULTS: ResolvedThresholds = Object.freeze({
  logRetentionDays: logs.RetentionDays.ONE_YEAR,
  hstsMaxAgeSeconds: ONE_YEAR_SECONDS,
  backupRetentionDays: 7,
  minimumPasswordLength: 14,
});

/** Props of {@link SecurityBaseline}. */
export interface SecurityBaselineProps {
  /**
   * `REPORT`: every resource below the baseline is a synth error (acknowledge one with
   * `Acknowledgements.of(construct).add('SecurityBaseline-<id>', reason)`). `FIX`: the Aspect raises what it can fix
   * safely to the baseline, records an info annotation for each change, and reports the rest.
   * @default SecurityBaselineMode.REPORT
   */
  readonly mode?: SecurityBaselineMode;
  /**
   * Controls to turn off, by id (`ALB6` or `SecurityBaseline-ALB6`).
   * @default - every control is on
   */
  readonly disabledControls?: string[];
  /**
   * Mode per control id, overriding `mode` (for example `{ ALB2: SecurityBaselineMode.REPORT }` in an app that
   * otherwise fixes). Only controls that can fix accept `FIX`.
   * @default - every control uses `mode`
   */
  readonly controlModes?: Record<string, SecurityBaselineMode>;
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
  /**
   * Why the change can reject requests the old value accepted; such a change is recorded as a warning.
   * @default - the change cannot reject traffic (recorded as an info line)
   */
  readonly review?: string;
}

/** A control as the controls table shows it. */
export interface SecurityBaselineControlInfo {
  /** Stable id, e.g. `ALB1`. */
  readonly id: string;
  /** `SecurityBaseline-<id>`: the id findings carry and acknowledgements name. */
  readonly ruleId: string;
  /** The security domains the control belongs to. */
  readonly areas: SecurityBaselineArea[];
  /** One line: what the control requires. */
  readonly title: string;
  /** What a finding says: the setting and the value found. */
  readonly reports: string;
  /** CloudFormation resource types the control judges. */
  readonly resourceTypes: string[];
  /**
   * What `fix` mode does.
   * @default - the control only reports
   */
  readonly fixes?: string;
}

/**
 * Applies the security baseline to any app: visits every L1 resource (whatever construct library made it), and
 * either reports each one below the baseline as a synth error or raises it to the baseline.
 *
 * ```ts
 * Aspects.of(app).add(new SecurityBaseline({ mode: SecurityBaselineMode.FIX }), { priority: AspectPriority.MUTATING });
 * ```
 *
 * Findings reach `cdk synth` through a validation plugin named `SecurityBaseline`, registered once per app however
 * many Aspects are added: it judges the synthesized templates after they are written, so findings fail synth like a
 * cdk-nag finding, are listed in `cdk.out/validation-report.json`, and are acknowledged one by one on the construct
 * that causes them. The Aspect itself only records which resources are in its scope and, in fix mode, changes them.
 */
export class SecurityBaseline implements IAspect {
  /**
   * Name of the validation plugin that reports the findings: aws-cdk-lib records an acknowledgement of a finding as
   * `SecurityBaseline::SecurityBaseline-<id>`.
   */
  public static readonly PLUGIN_NAME: string = SECURITY_BASELINE_PLUGIN_NAME;
  /** Prefix of every finding id: `Acknowledgements.of(construct).add('SecurityBaseline-ALB1', reason)`. */
  public static readonly RULE_PREFIX: string = SECURITY_BASELINE_RULE_PREFIX;
  /**
   * The baseline's default thresholds: one year of logs, one-year HSTS, 7 days of backups, 14-character passwords.
   * Each call returns a new copy, so changing it changes nothing the Aspect uses (values crossing jsii to another
   * language must be extensible objects, so the copy is not frozen).
   */
  public static defaultThresholds(): SecurityBaselineThresholds {
    return publicThresholds(DEFAULTS);
  }

  /** Every control, for documentation and tooling. Each call returns new copies: changing them changes no control. */
  public static controls(): SecurityBaselineControlInfo[] {
    return SECURITY_BASELINE_CONTROLS.map((c) => ({
      id: c.id, ruleId: `${SECURITY_BASELINE_RULE_PREFIX}${c.id}`, areas: [...c.areas], title: c.title,
      reports: c.reports, resourceTypes: [...c.resourceTypes], fixes: c.fixes,
    }));
  }

  /** The mode of every control without a `controlModes` entry. */
  public readonly mode: SecurityBaselineMode;
  private readonly resolved: ResolvedThresholds;
  private readonly disabled: ReadonlySet<string>;
  private readonly modes: ReadonlyMap<string, SecurityBaselineMode>;
  private readonly controlsByType = new Map<string, readonly SecurityBaselineControl[]>();
  // State of the app being synthesized; a visit from another app starts it afresh.
  private app?: IConstruct;
  private judged = new Set<CfnResource>();
  private changeLog = new Map<string, SecurityBaselineChange>();
  private attempted = new Set<string>();
  private lastFindings: FindingRecord[] = [];
  private lastEvaluations = new Map<string, number>();
  private fixReader?: PublicReader;
  /** What the app's report plugin calls to judge this Aspect's resources. */
  private readonly participant: ReportParticipant = { judge: (root, reader) => this.judge(root, reader) };

  constructor(props: SecurityBaselineProps = {}) {
    this.mode = checkMode('mode', props.mode ?? SecurityBaselineMode.REPORT);
    this.disabled = new Set((props.disabledControls ?? []).map((id, i) => controlId(`disabledControls[${i}]`, id)));
    const modes = new Map<string, SecurityBaselineMode>();
    for (const [key, mode] of Object.entries(props.controlModes ?? {})) {
      const id = controlId(`controlModes.${key}`, key);
      checkMode(`controlModes.${key}`, mode);
      if (mode === SecurityBaselineMode.FIX && !SECURITY_BASELINE_CONTROLS.find((c) => c.id === id)?.fixes) {
        invalid(`controlModes.${key}`, mode, `Fix: ${id} only reports; set it to 'report' or leave it out. Controls that fix: ${fixingIds().join(', ')}.`);
      }
      modes.set(id, mode);
    }
    this.modes = modes;
    this.resolved = resolveThresholds(props.thresholds ?? {});
  }

  /** The thresholds in force, every one filled in (the defaults where the props left one out); a new copy each read. */
  public get thresholds(): SecurityBaselineThresholds {
    return publicThresholds(this.resolved);
  }

  /** Findings of the last synthesis: resources below the baseline that were not fixed (acknowledged ones included). */
  public get findings(): SecurityBaselineFinding[] {
    return this.lastFindings.map((r) => {
      const ruleId = `${SECURITY_BASELINE_RULE_PREFIX}${r.control.id}`;
      return { ruleId, controlId: r.control.id, path: r.resource.node.path, message: r.message, acknowledged: isAcknowledged(r.resource, ruleId) };
    });
  }

  /** How many resources each control judged in the last synthesis (by control id), for coverage evidence. */
  public get evaluations(): Record<string, number> {
    return Object.fromEntries(SECURITY_BASELINE_CONTROLS.map((c) => [c.id, this.lastEvaluations.get(c.id) ?? 0]));
  }

  /**
   * Changes `fix` mode made to the app of the last synthesis. A later synthesis of the same app keeps listing them
   * (they are in its templates); the first synthesis of another app starts an empty list.
   */
  public get changes(): SecurityBaselineChange[] {
    return [...this.changeLog.values()].map((c) => ({ ...c }));
  }

  /**
   * Applies the SecurityBaseline of the App (or of any scope above the Stage) to a Stage too, with the same priority.
   * Aspects do not cross Stage boundaries, and CDK Pipelines synthesizes a Stage as soon as `pipeline.addStage(stage)`
   * or `wave.addStage(stage)` adds it, so an Aspect added after that never runs. Call this in the Stage's constructor
   * (the SecurityBaseline must be on the App before the stack that creates the Stage). A Stage synthesized without
   * a SecurityBaseline below a scope that has one fails synth, naming this fix.
   */
  public static applyToStage(stage: Stage): void {
    applyInheritedBaselines(stage, (aspect) => aspect instanceof SecurityBaseline);
  }

  /** Records an L1 resource in scope for the report and, for controls in fix mode, raises it to the baseline. */
  public visit(node: IConstruct): void {
    checkNestedStages(node);
    if (node.node.root !== this.app) this.startApp(node);
    checkAcknowledgements(node);
    if (!CfnResource.isCfnResource(node)) return;
    const controls = this.controlsFor(node.cfnResourceType);
    if (controls.length === 0) return;
    this.judged.add(node);
    const fixing = controls.filter((c) => c.fixes && this.modeOf(c) === SecurityBaselineMode.FIX);
    if (fixing.length > 0 && hasPublicProperties(node)) this.fix(node, fixing);
  }

  /** Judges the resources this Aspect visited from the synthesized templates; called by the app's report plugin. */
  private judge(root: IConstruct, reader: TemplateReader): FindingRecord[] {
    if (root !== this.app) return [];
    const records: FindingRecord[] = [];
    const evaluations = new Map<string, number>();
    withReader(reader, () => {
      for (const resource of this.judged) {
        const properties = reader.properties(resource);
        for (const control of this.controlsFor(resource.cfnResourceType)) {
          evaluations.set(control.id, (evaluations.get(control.id) ?? 0) + 1);
          const violation = control.evaluate(resource, { properties, thresholds: this.resolved })[0];
          if (!violation) continue;
          const key = `${control.id}@${resource.node.path}`;
          let message = `${resource.node.path}: ${violation.setting} = ${violation.found}. Fix: ${violation.fix}.`;
          if (this.attempted.has(key)) {
            message += ' The fix did not take effect: an escape-hatch override or a token keeps the old value.';
            this.changeLog.delete(key);
          }
          records.push({ control, resource, message, fix: violation.fix });
        }
      }
    });
    this.lastFindings = records;
    this.lastEvaluations = evaluations;
    this.fixReader = undefined;
    return records;
  }

  private startApp(node: IConstruct): void {
    this.app = node.node.root;
    this.judged = new Set();
    this.changeLog = new Map();
    this.attempted = new Set();
    this.lastFindings = [];
    this.lastEvaluations = new Map();
    this.fixReader = undefined;
    for (const scope of node.node.scopes) checkAcknowledgements(scope);
    joinReport(this.app, this.participant);
  }

  private controlsFor(cfnType: string): readonly SecurityBaselineControl[] {
    let controls = this.controlsByType.get(cfnType);
    if (!controls) {
      controls = (CONTROLS_BY_TYPE.get(cfnType) ?? []).filter((c) => !this.disabled.has(c.id));
      this.controlsByType.set(cfnType, controls);
    }
    return controls;
  }

  private modeOf(control: SecurityBaselineControl): SecurityBaselineMode {
    return this.modes.get(control.id) ?? this.mode;
  }

  /** Applies the fixes of the controls in fix mode, reading the L1's public properties; records each change that took. */
  private fix(node: CfnResource, controls: readonly SecurityBaselineControl[]): void {
    const reader = this.fixReader ??= new PublicReader(this.app!);
    reader.sync(node.node.scope ?? node); // resources another fix or Aspect added next to this one since the index was built
    withReader(reader, () => {
      let properties = renderedProperties(node);
      for (const control of controls) {
        const violation = control.evaluate(node, { properties, thresholds: this.resolved })[0];
        if (!violation?.apply) continue;
        const key = `${control.id}@${node.node.path}`;
        this.attempted.add(key);
        const change = violation.apply();
        reader.sync(node.node.scope ?? node);
        properties = renderedProperties(node);
        if (control.evaluate(node, { properties, thresholds: this.resolved }).length > 0) continue; // the report says so
        const ruleId = `${SECURITY_BASELINE_RULE_PREFIX}${control.id}`;
        if (violation.review) warn(node, `security-baseline:${control.id.toLowerCase()}-fix`, `${node.node.path}: ${change} (${ruleId} fix). Review before deploying: ${violation.review}`);
        else Annotations.of(node).addInfoV2(ruleId, `${node.node.path}: ${change} (${ruleId} fix)`);
        this.changeLog.set(key, { ruleId, controlId: control.id, path: node.node.path, change, ...(violation.review ? { review: violation.review } : {}) });
      }
    });
  }
}

/** True when `SecurityBaseline::<ruleId>` is acknowledged on the construct or one of its scopes (as aws-cdk-lib matches it). */
function isAcknowledged(node: IConstruct, ruleId: string): boolean {
  const wanted = `${SECURITY_BASELINE_PLUGIN_NAME}::${ruleId}`;
  return node.node.scopes.some((scope) => scope.node.metadata.some((entry) =>
    entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && entry.data && Object.keys(entry.data).includes(wanted)));
}

function invalid(prop: string, value: unknown, fix: string): never {
  const shown = value instanceof Duration ? value.toString() : JSON.stringify(value);
  throw new BaselineError(BaselineErrorCode.INVALID_PROP, `SecurityBaseline: invalid ${prop} = ${shown}. ${fix}`);
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
  if (mode !== SecurityBaselineMode.REPORT && mode !== SecurityBaselineMode.FIX) {
    invalid(prop, mode, "Fix: use 'report' or 'fix'.");
  }
  return mode as SecurityBaselineMode;
}

function checkWhole(prop: string, value: number | undefined, fallback: number, min: number, max: number, extra = ''): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(prop, value, `Fix: use a whole number from ${min} to ${max}${extra}.`);
  }
  return value;
}

/** Whole days of a Duration from `min` to `max`, or the fallback when it is absent. */
function checkDays(prop: string, value: Duration | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const fix = `Fix: use a whole number of days from ${min} to ${max} (Duration.days(${min}) to Duration.days(${max})).`;
  if (!(value instanceof Duration) || value.isUnresolved()) invalid(prop, value, fix);
  const days = value.toDays({ integral: false });
  if (!Number.isInteger(days) || days < min || days > max) invalid(prop, value, fix);
  return days;
}

function resolveThresholds(t: SecurityBaselineThresholds): ResolvedThresholds {
  const d = DEFAULTS;
  const offered = LOG_RETENTION_VALUES.map((v) => `${logs.RetentionDays[v]} (${v})`).join(', ');
  const logRetentionDays = t.logRetention ?? d.logRetentionDays;
  if (!LOG_RETENTION_VALUES.includes(logRetentionDays)) {
    invalid('thresholds.logRetention', logRetentionDays, `Fix: use a logs.RetentionDays of at least one year: ${offered}.`);
  }
  let hstsMaxAgeSeconds = d.hstsMaxAgeSeconds;
  if (t.hstsMaxAge !== undefined) {
    const fix = 'Fix: use a whole number of seconds from one year to two years (Duration.days(365) to Duration.days(730)).';
    if (!(t.hstsMaxAge instanceof Duration) || t.hstsMaxAge.isUnresolved()) invalid('thresholds.hstsMaxAge', t.hstsMaxAge, fix);
    hstsMaxAgeSeconds = t.hstsMaxAge.toSeconds({ integral: false });
    if (!Number.isInteger(hstsMaxAgeSeconds) || hstsMaxAgeSeconds < ONE_YEAR_SECONDS || hstsMaxAgeSeconds > 2 * ONE_YEAR_SECONDS) {
      invalid('thresholds.hstsMaxAge', t.hstsMaxAge, fix);
    }
  }
  return {
    logRetentionDays,
    hstsMaxAgeSeconds,
    backupRetentionDays: checkDays('thresholds.backupRetention', t.backupRetention, d.backupRetentionDays, 7, 35),
    minimumPasswordLength: checkWhole('thresholds.minimumPasswordLength', t.minimumPasswordLength, d.minimumPasswordLength, 14, 99),
  };
}

/** The thresholds as the props spell them (Durations, `logs.RetentionDays`), as a new object. */
function publicThresholds(t: ResolvedThresholds): SecurityBaselineThresholds {
  return {
    logRetention: t.logRetentionDays as logs.RetentionDays,
    hstsMaxAge: t.hstsMaxAgeSeconds % 86_400 === 0 ? Duration.days(t.hstsMaxAgeSeconds / 86_400) : Duration.seconds(t.hstsMaxAgeSeconds),
    backupRetention: Duration.days(t.backupRetentionDays),
    minimumPasswordLength: t.minimumPasswordLength,
  };
}
