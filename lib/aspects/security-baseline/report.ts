import { join } from 'path';
import {
  CfnResource, IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, PolicyViolation, Stack, Stage, Validations,
} from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { TemplateReader } from './cfn';
import { SECURITY_BASELINE_CONTROLS } from './registry';
import { SecurityBaselineControl } from './types';
import { BaselineError, BaselineErrorCode } from '../../internal/errors';

/** Name of the validation plugin that reports the findings; acknowledgements read `SecurityBaseline::SecurityBaseline-<id>`. */
export const SECURITY_BASELINE_PLUGIN_NAME = 'SecurityBaseline';
/** Prefix of every finding id: `Acknowledgements.of(construct).add('SecurityBaseline-ALB1', reason)`. */
export const SECURITY_BASELINE_RULE_PREFIX = 'SecurityBaseline-';

/** One resource below the baseline, as a {@link ReportParticipant} judged it from the synthesized template. */
export interface FindingRecord {
  readonly control: SecurityBaselineControl;
  readonly resource: CfnResource;
  readonly message: string;
  readonly fix: string;
}

/** An Aspect that contributes findings to its app's report. */
export interface ReportParticipant {
  /** Judges the resources the participant visited in the app of `root`, reading the synthesized templates. */
  judge(root: IConstruct, reader: TemplateReader): FindingRecord[];
}

/**
 * The validation plugin that turns the findings of every SecurityBaseline Aspect of one app into synth errors.
 * One per app however many Aspects are added (or however often one is added): each finding is reported once.
 * It runs after the templates are written, reads them once, and indexes the app's resources in one walk.
 */
class SecurityBaselineReport implements IPolicyValidationPlugin {
  public readonly name = SECURITY_BASELINE_PLUGIN_NAME;
  public readonly ruleIds = SECURITY_BASELINE_CONTROLS.map((c) => `${SECURITY_BASELINE_RULE_PREFIX}${c.id}`);
  public readonly participants = new Set<ReportParticipant>();

  constructor(private readonly root: IConstruct) {}

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const root = context.appConstruct ?? this.root;
    const reader = new TemplateReader(root);
    const unique = new Map<string, FindingRecord>();
    for (const participant of this.participants) {
      for (const r of participant.judge(root, reader)) {
        const key = `${r.control.id}@${r.resource.node.path}`;
        if (!unique.has(key)) unique.set(key, r);
      }
    }
    const violations: PolicyViolation[] = [...unique.values()].map((r) => ({
      ruleName: `${SECURITY_BASELINE_RULE_PREFIX}${r.control.id}`,
      description: r.message,
      fix: r.fix,
      severity: 'error',
      ruleMetadata: { area: r.control.areas.join(', '), control: r.control.title },
      violatingResources: [{
        constructPath: r.resource.node.path,
        resourceLogicalId: Stack.of(r.resource).resolve(r.resource.logicalId),
        templatePath: join(Stage.of(r.resource)?.outdir ?? '', Stack.of(r.resource).templateFile),
        locations: [],
      }],
    }));
    return { success: violations.length === 0, violations };
  }
}

const REPORTS = new WeakMap<IConstruct, SecurityBaselineReport>();

/** Adds the participant to the report of the app `root` (registering the report on the app once). */
export function joinReport(root: IConstruct, participant: ReportParticipant): void {
  let report = REPORTS.get(root);
  if (!report) {
    report = new SecurityBaselineReport(root);
    REPORTS.set(root, report);
    if (Stage.isStage(root)) Validations.of(root).addPlugins(report);
  }
  report.participants.add(participant);
}

const KNOWN_RULE_IDS: ReadonlySet<string> = new Set(SECURITY_BASELINE_CONTROLS.map((c) => `${SECURITY_BASELINE_RULE_PREFIX}${c.id}`));

/**
 * Refuses acknowledgements of SecurityBaseline findings that are wider than documented: an id no control reports
 * (it would silence nothing and hide a typo), and any acknowledgement on an App, Stage or Stack (it would silence
 * the control on every resource below it).
 */
export function checkAcknowledgements(node: IConstruct): void {
  for (const entry of node.node.metadata) {
    if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
    for (const id of Object.keys(entry.data as Record<string, string>)) {
      const ruleId = id.startsWith(`${SECURITY_BASELINE_PLUGIN_NAME}::`) ? id.slice(SECURITY_BASELINE_PLUGIN_NAME.length + 2) : id;
      if (!ruleId.startsWith(SECURITY_BASELINE_RULE_PREFIX)) continue;
      if (!KNOWN_RULE_IDS.has(ruleId)) {
        throw new BaselineError(BaselineErrorCode.INVALID_ACKNOWLEDGEMENT, `SecurityBaseline: ${node.node.path || '(app)'} acknowledges ${ruleId}, which no control reports. `
          + `Fix: acknowledge one of ${[...KNOWN_RULE_IDS].join(', ')}.`);
      }
      if (Stage.isStage(node) || Stack.isStack(node)) {
        const kind = Stack.isStack(node) ? 'Stack' : 'Stage or App';
        throw new BaselineError(BaselineErrorCode.INVALID_ACKNOWLEDGEMENT, `SecurityBaseline: ${node.node.path || '(app)'} acknowledges ${ruleId} on a ${kind}, which would silence it on every `
          + 'resource below. Fix: acknowledge it on each resource it is true of, with a reason about that resource; to turn the '
          + `control off for a whole scope on purpose, add a SecurityBaseline to that scope with disabledControls: ['${ruleId.slice(SECURITY_BASELINE_RULE_PREFIX.length)}'].`);
      }
    }
  }
}
