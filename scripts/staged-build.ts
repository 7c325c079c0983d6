/**
 * One staged build of the package per set of sources, shared by the tests that need the package as `npm publish` would
 * ship it: test/package/consumer.test.ts packs it, test/languages/languages.test.ts runs jsii-pacmak on it. Each used
 * to run `buildPackage` (jsii, tsc, the handler bundles: about 15 s of CPU) into a folder of its own, in two jest
 * workers at once. `npm run build`, `npm pack` and the release (`npx tsx scripts/languages.ts`) still build their own.
 *
 * The build lives in `.tmp/stage-<key>/package`. The key is a SHA-256 of every file the build reads outside
 * `node_modules` ({@link STAGE_INPUTS}: what scripts/build.ts copies into a stage, the handler sources esbuild reads
 * from the repository, the build scripts), of the lockfiles that decide what `node_modules` holds, and of the Node.js
 * version and platform: any change to one of them is another key, so another build, never a stale one. A build whose
 * handler bundles read a file outside those inputs is refused (the key would not cover it), and so is one whose
 * sources changed while it ran.
 *
 * Built once: the first caller takes a lock (`.tmp/stage-<key>.lock`, a folder holding its pid; a lock whose process
 * is gone, or older than {@link LOCK_MAX_AGE_MS}, is broken) and builds into a folder of its own, which it renames into
 * place when the build is complete, so a reader never sees half a build; a second builder after a broken lock finds
 * the stage published and discards its own. The others wait for the lock and reuse the stage.
 *
 * Read-only for its users: they write into folders of their own (pacmak's outdir, npm pack's destination, the
 * consumer app). `build.json` beside the stage records each file's SHA-256; {@link stageChanges} compares, the tests
 * check it after their work and every reuse refuses a changed stage (delete the folder to rebuild it).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildPackage, PROJECT_FILES } from './build';
import { BundledHandler, ROOT } from './handlers';

/**
 * The configuration files esbuild reads from every folder above a source it bundles (up to the repository root) when
 * they exist; those of lib/, lambda/ and app/lambda/ are inside folders the key covers already.
 */
export const ESBUILD_CONFIG_FILES = ['package.json', 'tsconfig.json', 'jsconfig.json'];

/**
 * Every file or folder (repository-relative) whose contents the staged build depends on: what scripts/build.ts copies
 * into the stage, the reference app's handler sources (esbuild bundles every handler from the repository: lambda/ is
 * among the project files) and the configuration files esbuild would read above them (a missing one is left out, so
 * creating it changes the key), the build scripts, and the lockfiles (`package-lock.json` and npm's record of what
 * `node_modules` holds, so an install that changed a dependency is another key).
 */
export const STAGE_INPUTS: readonly string[] = [...new Set([...PROJECT_FILES, 'app/lambda',
  ...['', 'app/'].flatMap((dir) => ESBUILD_CONFIG_FILES.map((f) => `${dir}${f}`)),
  'scripts/build.ts', 'scripts/build-handlers.ts', 'scripts/handlers.ts', 'scripts/staged-build.ts',
  'package-lock.json', 'node_modules/.package-lock.json'])];

/** A lock older than this is broken even when its process seems alive (a build takes 10-20 s). */
export const LOCK_MAX_AGE_MS = 15 * 60_000;
/** Stages kept besides the current one (the most recently used first); older ones are removed. */
const KEPT_STAGES = 3;
const BUILD_RECORD = 'build.json';

/** What `build.json` beside a stage records. */
interface BuildRecord {
  readonly key: string;
  /** Repository-relative path of each file of the stage (its `node_modules` link aside) to its SHA-256. */
  readonly files: Record<string, string>;
}

/** Every file below `dir` (relative, `/`-separated, sorted), following links; `skip` names top-level entries to leave out. */
function filesBelow(dir: string, skip: ReadonlySet<string> = new Set()): string[] {
  const found: string[] = [];
  const walk = (rel: string): void => {
    const path = rel === '' ? dir : join(dir, rel);
    if (!statSync(path).isDirectory()) {
      found.push(rel);
      return;
    }
    for (const name of readdirSync(path)) if (rel !== '' || !skip.has(name)) walk(rel === '' ? name : `${rel}/${name}`);
  };
  walk('');
  return found.sort();
}

/** The files of {@link STAGE_INPUTS} under `root` (repository-relative, sorted); a missing input is left out, as the staging copy leaves it. */
export function stageInputFiles(root: string = ROOT): string[] {
  return STAGE_INPUTS.flatMap((input) => {
    const path = join(root, input);
    if (!existsSync(path)) return [];
    return statSync(path).isDirectory() ? filesBelow(path).map((f) => `${input}/${f}`) : [input];
  }).sort();
}

/**
 * The key of the build of the sources under `root`: a SHA-256 over the Node.js version and platform and, for each file
 * of {@link stageInputFiles}, its path, its length and its bytes (so a renamed, added or removed file changes it too).
 */
export function stageKey(root: string = ROOT): string {
  const hash = createHash('sha256').update(`node ${process.version} ${process.platform}-${process.arch}\n`);
  for (const file of stageInputFiles(root)) {
    const bytes = readFileSync(join(root, file));
    hash.update(`${file}\0${bytes.length}\0`).update(bytes);
  }
  return hash.digest('hex');
}

/**
 * The files a build's handler bundles read outside `node_modules` that {@link stageInputFiles} does not list: a build
 * that read one is refused, since a change to that file would not change the key.
 */
export function uncoveredBuildInputs(bundles: readonly BundledHandler[], inputFiles: readonly string[]): string[] {
  const covered = new Set(inputFiles);
  const read = bundles.flatMap((b) => b.inputs).filter((f) => !f.split('/').includes('node_modules'));
  return [...new Set(read)].filter((f) => !covered.has(f)).sort();
}

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Each file of a stage (its `node_modules` link aside) with its SHA-256. */
function stageFiles(project: string): Record<string, string> {
  return Object.fromEntries(filesBelow(project, new Set(['node_modules'])).map((f) => [f, sha256(join(project, f))]));
}

/**
 * What changed in a shared stage since it was built (`<file> changed|added|removed`), from the `build.json` beside it;
 * empty when it is as built.
 */
export function stageChanges(project: string): string[] {
  const record = JSON.parse(readFileSync(join(dirname(project), BUILD_RECORD), 'utf8')) as BuildRecord;
  const now = stageFiles(project);
  const changes = Object.keys(record.files).filter((f) => now[f] !== record.files[f]).map((f) => `${f} ${f in now ? 'changed' : 'removed'}`);
  return [...changes, ...Object.keys(now).filter((f) => !(f in record.files)).map((f) => `${f} added`)].sort();
}

/** Options of {@link sharedStage}; the defaults build this repository's package (the mechanism's own test sets them). */
export interface SharedStageOptions {
  /** Repository whose {@link STAGE_INPUTS} key the build. @default the repository */
  readonly root?: string;
  /** Folder holding the stages and their locks. @default `<root>/.tmp` */
  readonly stages?: string;
  /** Builds the package into a project folder; returns the handler bundles. @default scripts/build.ts `buildPackage` into `<project>/dist` */
  readonly build?: (project: string) => Promise<BundledHandler[]>;
}

/**
 * The project folder of the staged build of the current sources (`.tmp/stage-<key>/package`, holding `dist/`, `.jsii`
 * and what `npm pack` packs): built now if no build of these sources exists, otherwise reused. Read-only: see the
 * module comment.
 */
export async function sharedStage(options: SharedStageOptions = {}): Promise<string> {
  const root = options.root ?? ROOT;
  const stages = options.stages ?? join(root, '.tmp');
  const build = options.build ?? ((project: string) => buildPackage(join(project, 'dist')));
  const key = stageKey(root);
  const home = join(stages, `stage-${key.slice(0, 16)}`);
  const project = join(home, 'package');
  const lock = `${home}.lock`;
  mkdirSync(stages, { recursive: true });
  for (;;) {
    if (existsSync(home)) {
      const changes = stageChanges(project);
      if (changes.length > 0) {
        throw new Error(`The shared build ${home} was changed after it was built (${changes.slice(0, 5).join(', ')}): its users must write into `
          + 'folders of their own. Delete the folder to rebuild it.');
      }
      const now = new Date();
      utimesSync(home, now, now); // last use, for pruning
      return project;
    }
    if (takeLock(lock)) {
      try {
        if (!existsSync(home)) await buildStage(root, key, home, build);
      } finally {
        rmSync(lock, { recursive: true, force: true });
      }
      pruneStages(stages, home);
    } else {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Builds into `<home>.build-<pid>` and renames it to `home` when complete; a failed or refused build leaves nothing. */
async function buildStage(root: string, key: string, home: string, build: (project: string) => Promise<BundledHandler[]>): Promise<void> {
  const temp = `${home}.build-${process.pid}`;
  rmSync(temp, { recursive: true, force: true });
  const project = join(temp, 'package');
  mkdirSync(project, { recursive: true });
  try {
    const bundles = await build(project);
    const uncovered = uncoveredBuildInputs(bundles, stageInputFiles(root));
    if (uncovered.length > 0) {
      throw new Error(`The handler bundles read ${uncovered.join(', ')}, which the shared build's key does not cover: add the folder to STAGE_INPUTS (scripts/staged-build.ts).`);
    }
    if (stageKey(root) !== key) throw new Error('The sources changed while the shared build ran: run the tests again.');
    const record: BuildRecord = { key, files: stageFiles(project) };
    writeFileSync(join(temp, BUILD_RECORD), `${JSON.stringify(record, null, 2)}\n`);
    try {
      renameSync(temp, home);
    } catch (err) {
      // another builder (after a broken lock) published the same build first
      if (!existsSync(home)) throw err;
    }
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

/** Takes the lock folder; false when another live process holds it (a stale lock is removed, to be taken on the next try). */
function takeLock(lock: string): boolean {
  try {
    mkdirSync(lock);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if (lockIsStale(lock)) rmSync(lock, { recursive: true, force: true });
    return false;
  }
  writeFileSync(join(lock, 'pid'), `${process.pid}\n`);
  return true;
}

/** True when a lock's process is gone, or the lock is older than {@link LOCK_MAX_AGE_MS}. */
function lockIsStale(lock: string): boolean {
  const taken = statSync(lock, { throwIfNoEntry: false });
  if (taken === undefined) return false; // released meanwhile
  const age = Date.now() - taken.mtimeMs;
  if (age > LOCK_MAX_AGE_MS) return true;
  let pid: string;
  try {
    pid = readFileSync(join(lock, 'pid'), 'utf8');
  } catch {
    return age > 30_000; // just taken (its pid not yet written), or released meanwhile
  }
  return !processIsAlive(Number(pid));
}

/** True when a process with this pid runs (signal 0 checks without signalling). */
export function processIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes what older runs left in `stages`: the unfinished build folders and locks of processes that are gone, and
 * every stage but `current` and the {@link KEPT_STAGES} used most recently.
 */
function pruneStages(stages: string, current: string): void {
  const entries = readdirSync(stages).filter((n) => n.startsWith('stage-')).map((n) => join(stages, n));
  for (const path of entries) {
    const building = /\.build-(\d+)$/.exec(path);
    if (building !== null && !processIsAlive(Number(building[1]))) rmSync(path, { recursive: true, force: true });
    if (path.endsWith('.lock') && existsSync(path) && lockIsStale(path)) rmSync(path, { recursive: true, force: true });
  }
  const published = entries.filter((p) => /stage-[0-9a-f]{16}$/.test(p) && p !== current && existsSync(p))
    .map((p) => ({ p, used: statSync(p).mtimeMs })).sort((a, b) => b.used - a.used);
  for (const { p } of published.slice(KEPT_STAGES)) rmSync(p, { recursive: true, force: true });
}
