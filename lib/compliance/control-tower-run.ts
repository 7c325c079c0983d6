import type { PolicyViolation } from 'aws-cdk-lib';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { BaselineError, BaselineErrorCode } from '../internal/errors';
import { ruleGates } from './guard-gates';

/**
 * How the Control Tower checks run fast without changing what they find. `CfnGuardValidator.validate()` runs one
 * `cfn-guard` process over every rule and every template; cfn-guard's time grows with rules x template size, most
 * rules concern resource types a template does not have, and most templates do not change between two synths. So:
 *
 * - **Per template, only the rules that can apply.** Every evaluated rule of a Control Tower rule file is guarded by
 *   a `when` clause that needs a resource of one type (`%s3_buckets not empty` over `Resources.*[ Type == ... ]`, or
 *   a CloudFormation hook document keyed by the type): those types are the file's gates, read from its code by
 *   `ruleGates()` (`guard-gates.ts`). A rule none of whose gates occurs as a string anywhere in the parsed template
 *   cannot report anything (cfn-guard reports it SKIP); those rules are passed as the validator's public
 *   `disabledRules` option. A rule file whose gates cannot be read from its code runs on every template.
 * - **Templates in parallel**: one worker thread per core, each calling the public `validate()` for one template at a
 *   time (its `cfn-guard` child is what runs in parallel); `validate()` is synchronous, so the caller waits on an
 *   `Atomics.wait` and reads the results with `receiveMessageOnPort`.
 * - **Results cached by content**: the key is the SHA-256 of the template's bytes, the validator's name and version,
 *   a digest of every bundled rule file and the set of rules run. A changed template has another key, so an old
 *   result is never served for it; an entry is also checked against the key it was written under before use.
 *
 * The cache lives inside the cloud assembly (`cdk.out/.control-tower-cache/`): synth writes nothing outside cdk.out,
 * a fresh clone or `rm -rf cdk.out` starts clean, and it holds at most {@link MAX_ENTRIES} entries.
 */

/** One template's work: the rules it can skip, and where its cached result lives. */
interface TemplateJob {
  readonly templatePath: string;
  readonly disabledRules: string[];
  readonly cacheFile: string | undefined;
  readonly key: string;
  readonly size: number;
}

/** Bumped when the stored format or the way rules are chosen changes: every older entry then misses. */
const CACHE_FORMAT = 'control-tower-run/2';
/** Entries kept in one cache folder (the newest by use); the reference app has 8 templates. */
export const MAX_ENTRIES = 64;
const CACHE_FOLDER = '.control-tower-cache';
const TEMPLATE_PATH_MARK = '\u0000template\u0000';

/** The validator package's entry, its bundled Control Tower rule files and their digest, read once per process. */
interface RuleSet {
  readonly modulePath: string;
  readonly name: string;
  readonly version: string;
  /** Rule name (file name without `.guard`, as `disabledRules` takes it) -> its gates (empty: it always runs). */
  readonly gates: ReadonlyMap<string, readonly string[]>;
  readonly digest: string;
}

let ruleSet: RuleSet | undefined;

function loadRuleSet(name: string, version: string): RuleSet {
  if (ruleSet !== undefined && ruleSet.name === name && ruleSet.version === version) return ruleSet;
  const modulePath = require.resolve('@cdklabs/cdk-validator-cfnguard');
  const rulesRoot = join(dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')), 'rules', 'control-tower', 'cfn-guard');
  const hash = createHash('sha256');
  const gates = new Map<string, readonly string[]>();
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const file = join(dir, entry);
      if (statSync(file).isDirectory()) { visit(file); continue; }
      const text = readFileSync(file, 'utf8');
      hash.update(`${relative(rulesRoot, file)}\0${text}\0`);
      gates.set(entry.replace(/\.guard$/, ''), ruleGates(text) ?? []);
    }
  };
  visit(rulesRoot);
  ruleSet = { modulePath, name, version, gates, digest: hash.digest('hex') };
  return ruleSet;
}

/**
 * Every string of a parsed JSON document, object keys included: a superset of the resource types a rule can find in
 * it (a `Type` value, or a hook document's top-level key), whatever escapes the file's text used.
 */
export function documentStrings(doc: unknown): Set<string> {
  const out = new Set<string>();
  const stack: unknown[] = [doc];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') out.add(v);
    else if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        out.add(k);
        stack.push(x);
      }
    }
  }
  return out;
}

/** The rules that cannot report anything on this template: none of their gates is among its strings. */
export function inapplicableRules(strings: ReadonlySet<string>, gates: ReadonlyMap<string, readonly string[]>): string[] {
  const out: string[] = [];
  for (const [rule, types] of gates) {
    if (types.length > 0 && !types.some((t) => strings.has(t))) out.push(rule);
  }
  return out;
}

function parseJson(text: string): { doc: unknown } | undefined {
  try {
    return { doc: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

/** The deepest folder holding every template: the cloud assembly's root for an app with nested stage assemblies. */
function commonFolder(paths: readonly string[]): string {
  const parts = paths.map((p) => dirname(p).split(sep));
  const first = parts[0];
  let n = first.length;
  for (const p of parts) {
    let i = 0;
    while (i < n && i < p.length && p[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join(sep) || sep;
}

function readCached(job: TemplateJob): PolicyViolation[] | undefined {
  if (job.cacheFile === undefined) return undefined;
  let text: string;
  try { text = readFileSync(job.cacheFile, 'utf8'); } catch { return undefined; }
  try {
    const entry = JSON.parse(text) as { key?: unknown; violations?: unknown };
    if (entry.key !== job.key || !Array.isArray(entry.violations)) return undefined;
    const now = new Date();
    try { utimesSync(job.cacheFile, now, now); } catch { /* a read-only cache still answers */ }
    return JSON.parse(JSON.stringify(entry.violations).split(JSON.stringify(TEMPLATE_PATH_MARK).slice(1, -1)).join(JSON.stringify(job.templatePath).slice(1, -1))) as PolicyViolation[];
  } catch {
    return undefined;
  }
}

/** Stores a result (written aside, then renamed into place); a cache that cannot be written only costs the next synth time. */
function writeCached(job: TemplateJob, violations: readonly PolicyViolation[]): void {
  if (job.cacheFile === undefined) return;
  const stored = violations.map((v) => ({ ...v, violatingResources: v.violatingResources.map((r) => ({ ...r, templatePath: r.templatePath === job.templatePath ? TEMPLATE_PATH_MARK : r.templatePath })) }));
  const tmp = `${job.cacheFile}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(job.cacheFile), { recursive: true });
    writeFileSync(tmp, JSON.stringify({ key: job.key, violations: stored }));
    renameSync(tmp, job.cacheFile);
  } catch {
    rmSync(tmp, { force: true });
  }
}

/** Keeps the {@link MAX_ENTRIES} most recently used entries of a cache folder. */
function prune(folder: string): void {
  try {
    const entries = readdirSync(folder).filter((f) => f.endsWith('.json')).map((f) => ({ f, t: statSync(join(folder, f)).mtimeMs }));
    if (entries.length <= MAX_ENTRIES) return;
    entries.sort((a, b) => b.t - a.t);
    for (const { f } of entries.slice(MAX_ENTRIES)) rmSync(join(folder, f), { force: true });
  } catch {
    // Another synth pruning the same folder at the same time; the next run prunes again.
  }
}

/**
 * The worker's program (plain JavaScript: it runs under any loader). Each worker takes the next job from a shared
 * counter, runs the public `validate()` of a validator built with the job's `disabledRules`, and posts the result.
 */
const WORKER = `
const { workerData } = require('node:worker_threads');
const state = new Int32Array(workerData.state);
try {
  const { CfnGuardValidator } = require(workerData.modulePath);
  for (;;) {
    const i = Atomics.add(state, 0, 1);
    if (i >= workerData.jobs.length) break;
    const job = workerData.jobs[i];
    try {
      const report = new CfnGuardValidator({ controlTowerRulesEnabled: true, disabledRules: job.disabledRules, maxBuffer: workerData.maxBuffer })
        .validate({ templatePaths: [job.templatePath] });
      workerData.port.postMessage({ i, violations: report.violations });
    } catch (e) {
      workerData.port.postMessage({ i, error: String(e && e.stack || e) });
    }
  }
} catch (e) {
  workerData.port.postMessage({ i: -1, error: String(e && e.stack || e) });
} finally {
  Atomics.add(state, 1, 1);
  Atomics.notify(state, 1);
}`;

/** The longest the checks may run before synth fails instead of waiting on a worker that never reports. */
const WORKER_TIMEOUT_MS = 15 * 60 * 1000;
/** Output buffer for one cfn-guard run: the findings of a large template exceed Node's 1 MB default. */
const MAX_BUFFER = 256 * 1024 * 1024;

function runInWorkers(jobs: readonly TemplateJob[], modulePath: string, workers: number): PolicyViolation[][] {
  const state = new Int32Array(new SharedArrayBuffer(8));
  const channels = Array.from({ length: workers }, () => new MessageChannel());
  const threads = channels.map(({ port2 }) => new Worker(WORKER, {
    eval: true,
    workerData: { modulePath, state: state.buffer, jobs: jobs.map((j) => ({ templatePath: j.templatePath, disabledRules: j.disabledRules })), port: port2, maxBuffer: MAX_BUFFER },
    transferList: [port2],
  }));
  try {
    const deadline = Date.now() + WORKER_TIMEOUT_MS;
    for (;;) {
      const done = Atomics.load(state, 1);
      if (done === workers) break;
      if (Date.now() > deadline) throw new BaselineError(BaselineErrorCode.CONTROL_TOWER_CHECKS_FAILED, `Control Tower checks: cfn-guard did not finish within ${WORKER_TIMEOUT_MS / 1000} s`);
      Atomics.wait(state, 1, done, 1000);
    }
    const results: PolicyViolation[][] = [];
    const errors: string[] = [];
    const drain = (port: MessagePort): void => {
      for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
        const msg = m.message as { i: number; violations?: PolicyViolation[]; error?: string };
        if (msg.error !== undefined) errors.push(`${jobs[msg.i]?.templatePath ?? 'worker'}: ${msg.error}`);
        else results[msg.i] = msg.violations ?? [];
      }
    };
    channels.forEach(({ port1 }) => drain(port1));
    if (errors.length > 0) throw new BaselineError(BaselineErrorCode.CONTROL_TOWER_CHECKS_FAILED, `Control Tower checks failed:\n${errors.join('\n')}`);
    jobs.forEach((j, i) => { if (results[i] === undefined) throw new BaselineError(BaselineErrorCode.CONTROL_TOWER_CHECKS_FAILED, `Control Tower checks: no result for ${j.templatePath}`); });
    return results;
  } finally {
    channels.forEach(({ port1 }) => port1.close());
    threads.forEach((t) => void t.terminate());
  }
}

/** Options of {@link runControlTowerChecks}. */
export interface ControlTowerRunOptions {
  /** The validator's name and version (part of the cache key). */
  readonly validatorName: string;
  readonly validatorVersion: string;
  /** Where results are cached; `false` for no cache. @default `.control-tower-cache` in the templates' common folder */
  readonly cacheFolder?: string | false;
  /** Worker threads. @default the number of cores */
  readonly concurrency?: number;
}

/**
 * The findings of the bundled Control Tower rules on each template, in template order: the same violations as one
 * `CfnGuardValidator.validate()` over all of them, from the cache where the template is unchanged.
 */
export function runControlTowerChecks(templatePaths: readonly string[], options: ControlTowerRunOptions): PolicyViolation[] {
  if (templatePaths.length === 0) return [];
  const rules = loadRuleSet(options.validatorName, options.validatorVersion);
  const folder = options.cacheFolder === false ? undefined : options.cacheFolder ?? join(commonFolder(templatePaths), CACHE_FOLDER);
  const jobs: TemplateJob[] = templatePaths.map((templatePath) => {
    const bytes = readFileSync(templatePath);
    const text = bytes.toString('utf8');
    // A file that is not JSON gets every rule, so cfn-guard reports on it exactly as the plugin would.
    const parsed = parseJson(text);
    const disabledRules = parsed === undefined ? [] : inapplicableRules(documentStrings(parsed.doc), rules.gates);
    const key = createHash('sha256')
      .update(JSON.stringify([CACHE_FORMAT, rules.name, rules.version, rules.digest, disabledRules]))
      .update('\0').update(bytes).digest('hex');
    return { templatePath, disabledRules, key, size: bytes.length, cacheFile: folder === undefined ? undefined : join(folder, `${key}.json`) };
  });
  // A template no rule can apply to has no findings (cfn-guard refuses to run with no rules at all).
  const results: (PolicyViolation[] | undefined)[] = jobs.map((j) => (j.disabledRules.length === rules.gates.size ? [] : readCached(j)));
  const missing = jobs.map((j, i) => ({ j, i })).filter(({ i }) => results[i] === undefined).sort((a, b) => b.j.size - a.j.size);
  if (missing.length > 0) {
    const workers = Math.max(1, Math.min(missing.length, options.concurrency ?? availableParallelism()));
    const fresh = runInWorkers(missing.map(({ j }) => j), rules.modulePath, workers);
    missing.forEach(({ j, i }, k) => {
      results[i] = fresh[k];
      writeCached(j, fresh[k]);
    });
    if (folder !== undefined) prune(folder);
  }
  return results.flatMap((r) => r ?? []);
}
