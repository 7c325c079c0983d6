import { readFileSync } from 'fs';
import { join } from 'path';
import * as ts from 'typescript';
import { App, Stack, Stage } from 'aws-cdk-lib';
import { Acknowledgements, BaselineErrorCode, BaselineErrors, SecurityBaseline } from '../../lib';
import { Evidence } from '../../lib/compliance';
import { peer } from '../../lib/compliance/rule-packs';
import { statementCapacity } from '../../lib/constructs/web-firewall/capacity';
import { BaselineError, checkRange, invalidProp } from '../../lib/internal/errors';
import { warn } from '../../lib/internal/warnings';
import { listFiles } from '../architecture/sources';

const ROOT = join(__dirname, '..', '..');

/** What `f` threw (undefined when it returned). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

/**
 * Where lib/ may throw something other than a new BaselineError: rethrowing an error it caught from someone else
 * (aws-cdk-lib's synth error, Node.js's module loader). lib/contracts and lib/http are handler code: their typed
 * errors (`JwtConfigError`, `RouteTableError`, `HttpError`) are mapped to HTTP answers and logs, never thrown at synth.
 */
const RETHROWS: Record<string, string[]> = {
  'lib/compliance/cli.ts': ['e'],
  'lib/compliance/rule-packs.ts': ['e'],
  'lib/compliance/evidence/index.ts': ['failure ?? e', 'failure'],
};
const HANDLER_SIDE = ['lib/contracts/', 'lib/http/'];

describe('every error lib/ throws is the library error type with a stable code', () => {
  const files = listFiles('lib', (name) => name.endsWith('.ts')).filter((path) => !HANDLER_SIDE.some((dir) => path.startsWith(dir)));

  test('no new Error, no other Error subclass, and every throw is a new BaselineError (or a rethrow of a caught error)', () => {
    const offenders: string[] = [];
    for (const path of files) {
      const text = readFileSync(join(ROOT, path), 'utf8');
      const source = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true);
      const visit = (node: ts.Node): void => {
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
        if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && /^(Error|TypeError|RangeError)$/.test(node.expression.text)) {
          offenders.push(`${path}:${line} new ${node.expression.text}(...)`);
        }
        if (ts.isClassDeclaration(node) && node.heritageClauses?.some((h) => h.types.some((t) => t.expression.getText(source) === 'Error'))
          && !(path === 'lib/internal/errors.ts' && node.name?.text === 'BaselineError')) {
          offenders.push(`${path}:${line} class ${node.name?.text} extends Error`);
        }
        if (ts.isThrowStatement(node)) {
          const thrownText = node.expression.getText(source);
          const isBaselineError = ts.isNewExpression(node.expression) && node.expression.expression.getText(source) === 'BaselineError';
          const isFactory = ts.isCallExpression(node.expression) && node.expression.expression.getText(source) === 'evidenceError';
          if (!isBaselineError && !isFactory && !(RETHROWS[path] ?? []).includes(thrownText)) offenders.push(`${path}:${line} throw ${thrownText.slice(0, 60)}`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(offenders).toEqual([]);
  });

  test('every code is documented in the README table, and every code the README lists exists', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^ {2}\| `([A-Za-z]+)` \| `([A-Z_]+)` \|/gm)].map((m) => [m[2], m[1]]);
    expect(rows).toEqual(Object.entries(BaselineErrorCode));
  });
});

describe('BaselineErrors', () => {
  test('recognises the library\'s errors, and nothing else', () => {
    const error = new BaselineError(BaselineErrorCode.INVALID_PROP, 'S: invalid x = 1. Fix: use 2.');
    expect([BaselineErrors.isBaselineError(error), BaselineErrors.codeOf(error), error instanceof Error, error.name, error.message])
      .toEqual([true, BaselineErrorCode.INVALID_PROP, true, 'BaselineError', 'S: invalid x = 1. Fix: use 2.']);
    for (const other of [new Error('x'), Object.assign(new Error('x'), { code: 'InvalidProp' }), 'InvalidProp', null, undefined, 42, {}]) {
      expect([BaselineErrors.isBaselineError(other), BaselineErrors.codeOf(other)]).toEqual([false, undefined]);
    }
  });

  test('the code is the enum value users compare with, stable as a string', () => {
    expect(Object.values(BaselineErrorCode)).toEqual(Object.values(BaselineErrorCode).map((v) => v.replace(/(^|_)([a-z])/g, (_m, _p, c: string) => c.toUpperCase())));
    expect(BaselineErrorCode.INVALID_PROP).toBe('InvalidProp');
  });
});

describe('each path throws its code, with the message it always had', () => {
  test('invalidProp and checkRange: InvalidProp, naming the construct path', () => {
    const stack = new Stack(new App(), 'S');
    const e = thrown(() => invalidProp(stack, 'retries', 'many', 'Fix: use a number.')) as BaselineError;
    expect([e.message, BaselineErrors.codeOf(e), e.constructPath]).toEqual(['S: invalid retries = "many". Fix: use a number.', BaselineErrorCode.INVALID_PROP, 'S']);
    const range = thrown(() => checkRange(stack, 'limit', 0.5, 1, 10)) as BaselineError;
    expect([range.message, BaselineErrors.codeOf(range)]).toEqual(['S: invalid limit = 0.5. Fix: use a whole number from 1 to 10.', BaselineErrorCode.INVALID_PROP]);
  });

  test('a short acknowledgement reason: InvalidAcknowledgement', () => {
    const stack = new Stack(new App(), 'S');
    const e = thrown(() => Acknowledgements.of(stack).add('AwsSolutions-S1', 'too short'));
    expect([BaselineErrors.codeOf(e), (e as Error).message]).toEqual([BaselineErrorCode.INVALID_ACKNOWLEDGEMENT,
      'S: acknowledgement of AwsSolutions-S1 has a 9-character reason ("too short"). Fix: explain in at least 40 characters why the finding does not apply or what compensates for it.']);
    expect(Acknowledgements.MIN_REASON_LENGTH).toBe(40);
  });

  test('a SecurityBaseline acknowledgement on a Stack: InvalidAcknowledgement at synth', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    Acknowledgements.of(stack).add('SecurityBaseline-KMS1', 'Test: a whole stack acknowledged at once, which the Aspect refuses.');
    expect(BaselineErrors.codeOf(thrown(() => new SecurityBaseline().visit(stack)))).toBe(BaselineErrorCode.INVALID_ACKNOWLEDGEMENT);
  });

  test('applyToStage without a baseline above the Stage: StageWithoutBaseline', () => {
    const stage = new Stage(new App(), 'Prod');
    expect(BaselineErrors.codeOf(thrown(() => SecurityBaseline.applyToStage(stage)))).toBe(BaselineErrorCode.STAGE_WITHOUT_BASELINE);
  });

  test('a missing optional peer: MissingPeerDependency', () => {
    const e = thrown(() => peer('cdk-nag-not-installed', 'running the rule packs', () => require('cdk-nag-not-installed')));
    expect([BaselineErrors.codeOf(e), (e as Error).message]).toEqual([BaselineErrorCode.MISSING_PEER_DEPENDENCY,
      'aws-security-baseline/compliance: running the rule packs needs the optional peer dependency cdk-nag-not-installed, which is not installed. Fix: npm install --save-dev cdk-nag-not-installed']);
  });

  test('evidence: a folder that is not an assembly is InvalidAssembly, a bad OSCAL time InvalidEvidenceOption', () => {
    expect(BaselineErrors.codeOf(thrown(() => Evidence.read(join(ROOT, 'no-such-folder'))))).toBe(BaselineErrorCode.INVALID_ASSEMBLY);
    const e = thrown(() => Evidence.renderOscal({ directory: 'cdk.out', stacks: [], plugins: [], acknowledgements: [] }, { lastModified: 'yesterday' }));
    expect([BaselineErrors.codeOf(e), (e as Error).message]).toEqual([BaselineErrorCode.INVALID_EVIDENCE_OPTION,
      'OSCAL last-modified must be an ISO 8601 time with a time zone (2026-01-31T12:00:00Z), not "yesterday".']);
  });

  test('a web ACL statement whose capacity is unknown: UnknownWafCapacity', () => {
    const e = thrown(() => statementCapacity({ managedRuleGroupStatement: { vendorName: 'Example', name: 'Unknown' } }));
    expect([BaselineErrors.codeOf(e), (e as Error).message]).toEqual([BaselineErrorCode.UNKNOWN_WAF_CAPACITY,
      'No known WCU for managed rule group Example/Unknown. Fix: add it to MANAGED_RULE_GROUP_WCU with the value from the AWS WAF developer guide.']);
  });

  test('a warning id outside the library\'s style: AssumptionFailed (a bug of the library)', () => {
    const e = thrown(() => warn(new Stack(new App(), 'S'), 'Not Kebab', 'message'));
    expect(BaselineErrors.codeOf(e)).toBe(BaselineErrorCode.ASSUMPTION_FAILED);
  });
});
