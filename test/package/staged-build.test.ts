/**
 * The staged build the package tests share (scripts/staged-build.ts) is never stale: its key changes with every file
 * the build reads (generated edits, additions, removals and renames of the input files, against a copy of them), stays
 * the same for files the build does not read, and covers every module the build scripts load. The mechanism builds
 * once per key, also for callers that arrive together, publishes only a whole build, recovers from a lock whose
 * process is gone, and refuses a stage that was changed after it was built. The mechanism's tests run it with a small
 * stand-in build into a temporary folder; the real build is what test/package/consumer.test.ts and
 * test/languages/languages.test.ts use.
 */
import { spawnSync } from 'child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import fc from 'fast-check';
import { PROJECT_FILES } from '../../scripts/build';
import { BundledHandler, HANDLERS } from '../../scripts/handlers';
import { ESBUILD_CONFIG_FILES, sharedStage, STAGE_INPUTS, stageChanges, stageInputFiles, stageKey, uncoveredBuildInputs } from '../../scripts/staged-build';
import { importsOf } from '../architecture/import-rules';
import { ROOT } from './pack';

/** A handler bundle as a build returns it, naming the files it read. */
const bundle = (inputs: string[]): BundledHandler => ({ name: 'authorizer', file: 'authorizer/index.js', bytes: 1, sha256: '0'.repeat(64), inputs });

describe('the key of the shared staged build', () => {
  let root: string;
  let files: string[];
  let key: string;

  beforeAll(() => {
    // GIVEN a copy of every input of the build (the repository's own, so the cases edit real files)
    root = mkdtempSync(join(tmpdir(), 'stage-key-'));
    files = stageInputFiles(ROOT);
    for (const file of files) cpSync(join(ROOT, file), join(root, file));
    key = stageKey(root);
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('is the key of the repository\'s sources, computed from the copy', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(key).toBe(stageKey(ROOT));
  });

  test('covers what the build copies into a stage, the handler sources and the lockfiles', () => {
    expect(STAGE_INPUTS).toEqual(expect.arrayContaining([...PROJECT_FILES, 'app/lambda', 'package-lock.json']));
    for (const prefix of ['lib/', 'lambda/', 'app/lambda/', 'node_modules/.package-lock.json']) {
      expect([prefix, files.some((f) => f.startsWith(prefix))]).toEqual([prefix, true]);
    }
  });

  test('covers every module the build scripts load (their relative imports, followed to the end)', () => {
    const exists = (path: string): boolean => existsSync(join(ROOT, path));
    const seen = new Set<string>();
    const queue = ['scripts/staged-build.ts'];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const edge of importsOf(file, readFileSync(join(ROOT, file), 'utf8'), exists)) {
        // a path computed at run time could be any file; the one there is names a package (node_modules: the lockfiles)
        if (edge.computed === true && !(file === 'scripts/handlers.ts' && edge.specifier === 'RDS_CA_PACKAGE')) {
          throw new Error(`${file}:${edge.line} loads a computed path (${edge.specifier}): the key cannot know what it reads`);
        }
        if (edge.target !== undefined && edge.computed !== true) queue.push(edge.target);
      }
    }
    expect(seen.size).toBeGreaterThan(4);
    expect([...seen].filter((f) => !files.includes(f))).toEqual([]);
  });

  test('covers the configuration files esbuild reads above each handler source, up to the repository root, were they created', () => {
    const covered = (file: string): boolean => STAGE_INPUTS.some((input) => file === input || file.startsWith(`${input}/`));
    const uncovered = Object.values(HANDLERS).flatMap((entry) => {
      const folders: string[] = [];
      for (let dir = dirname(entry); dir !== '.'; dir = dirname(dir)) folders.push(`${dir}/`);
      return [...folders, ''].flatMap((dir) => ESBUILD_CONFIG_FILES.map((f) => `${dir}${f}`)).filter((f) => !covered(f));
    });
    expect(uncovered).toEqual([]);
  });

  /** One generated edit of the input files, applied to the copy; returns how to undo it. */
  type Edit = (file: string, at: number, byte: number) => () => void;
  const edits: Record<string, Edit> = {
    'change one byte': (file, at, byte) => {
      const before = readFileSync(join(root, file));
      const after = Buffer.from(before);
      if (after.length === 0) return edits['append bytes'](file, at, byte);
      const i = at % after.length;
      after[i] = (after[i] + 1 + (byte % 255)) % 256; // never the same byte
      writeFileSync(join(root, file), after);
      return () => writeFileSync(join(root, file), before);
    },
    'append bytes': (file, at, byte) => {
      const before = readFileSync(join(root, file));
      writeFileSync(join(root, file), Buffer.concat([before, Buffer.alloc(1 + (at % 3), byte)]));
      return () => writeFileSync(join(root, file), before);
    },
    'remove the last bytes': (file, at, byte) => {
      const before = readFileSync(join(root, file));
      if (before.length === 0) return edits['append bytes'](file, at, byte);
      writeFileSync(join(root, file), before.subarray(0, before.length - 1 - (at % before.length)));
      return () => writeFileSync(join(root, file), before);
    },
    'remove the file': (file) => {
      const before = readFileSync(join(root, file));
      rmSync(join(root, file));
      return () => writeFileSync(join(root, file), before);
    },
    'rename the file within its folder': (file, at) => {
      const renamed = join(dirname(join(root, file)), `renamed-${at}.ts`);
      renameSync(join(root, file), renamed);
      return () => renameSync(renamed, join(root, file));
    },
    'add a file to its input folder': (file, at, byte) => {
      // beside it, or in lib/ for an input that is a file of its own (package.json, the lockfiles)
      const added = join(root, STAGE_INPUTS.includes(file) ? 'lib' : dirname(file), `added-${at}.ts`);
      writeFileSync(added, Buffer.alloc(at % 4, byte));
      return () => rmSync(added);
    },
  };

  test('changes with every generated edit of an input file (content, length, removal, rename, an added file) and comes back when the edit is undone', () => {
    fc.assert(fc.property(fc.nat(), fc.constantFrom(...Object.keys(edits)), fc.nat(), fc.nat({ max: 255 }), (pick, edit, at, byte) => {
      const file = files[pick % files.length];
      const undo = edits[edit](file, at, byte);
      let edited: string;
      try {
        edited = stageKey(root);
      } finally {
        undo();
      }
      expect({ file, edit, changed: edited !== key }).toEqual({ file, edit, changed: true });
      expect(stageKey(root)).toBe(key);
    }), { numRuns: 100 });
  });

  test('stays the same for files the build does not read (tests, docs, the app\'s CDK code), so the build is reused', () => {
    const outside = ['test/x.test.ts', 'docs/x.md', 'app/stacks/x.ts', 'bench/x.ts', '.tmp/stage-0/package/x.js', 'node_modules/x/index.js'];
    fc.assert(fc.property(fc.constantFrom(...outside), fc.uint8Array({ maxLength: 64 }), (file, bytes) => {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), bytes);
      try {
        expect(stageKey(root)).toBe(key);
      } finally {
        rmSync(join(root, file));
      }
    }), { numRuns: 30 });
  });

  test('a bundle that read a file outside the inputs is named (node_modules aside: the lockfiles cover it)', () => {
    expect(uncoveredBuildInputs([bundle(['lambda/authorizer/handler.ts', 'node_modules/jose/index.js', 'app/config/x.ts'])], files)).toEqual(['app/config/x.ts']);
    expect(uncoveredBuildInputs([bundle(['lambda/authorizer/handler.ts', 'lib/contracts/jwt-config.ts'])], files)).toEqual([]);
  });
});

describe('the shared staged build', () => {
  let root: string;
  let stages: string;
  let builds: number;

  /** A stand-in for the package build: writes `dist/out.txt` from the sources, counting its runs. */
  const build = async (project: string, inputs: string[] = ['lib/a.ts']): Promise<BundledHandler[]> => {
    builds += 1;
    await new Promise((resolve) => setTimeout(resolve, 50));
    mkdirSync(join(project, 'dist'), { recursive: true });
    writeFileSync(join(project, 'dist', 'out.txt'), readFileSync(join(root, 'lib', 'a.ts')));
    return [bundle(inputs)];
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'stage-shared-'));
    stages = join(root, '.tmp');
    mkdirSync(join(root, 'lib'));
    writeFileSync(join(root, 'lib', 'a.ts'), 'export const a = 1;\n');
    writeFileSync(join(root, 'package.json'), '{}\n');
    builds = 0;
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('builds once for callers that arrive together and reuses the build while nothing changed', async () => {
    // WHEN three callers ask at once (the second and third wait for the first one's lock), then a fourth later
    const together = await Promise.all([1, 2, 3].map(() => sharedStage({ root, stages, build })));
    const later = await sharedStage({ root, stages, build });
    // THEN one build, one stage, holding what the build wrote, and no lock or unfinished build left
    expect(builds).toBe(1);
    expect(new Set([...together, later]).size).toBe(1);
    expect(readFileSync(join(later, 'dist', 'out.txt'), 'utf8')).toBe('export const a = 1;\n');
    expect(readdirSync(stages)).toEqual([`stage-${stageKey(root).slice(0, 16)}`]);
  });

  test('a changed input is another build in another stage; the earlier one is left as it was', async () => {
    const first = await sharedStage({ root, stages, build });
    writeFileSync(join(root, 'lib', 'a.ts'), 'export const a = 2;\n');
    const second = await sharedStage({ root, stages, build });
    expect(builds).toBe(2);
    expect(second).not.toBe(first);
    expect(readFileSync(join(second, 'dist', 'out.txt'), 'utf8')).toBe('export const a = 2;\n');
    expect(stageChanges(first)).toEqual([]);
  });

  test('a lock left by a process that is gone is broken, and the build runs', async () => {
    // GIVEN the lock of a builder that was killed (its pid belongs to a process that has exited)
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const lock = join(stages, `stage-${stageKey(root).slice(0, 16)}.lock`);
    mkdirSync(lock, { recursive: true });
    writeFileSync(join(lock, 'pid'), gone);
    // AND the unfinished build folder it left
    mkdirSync(join(stages, `stage-${stageKey(root).slice(0, 16)}.build-${gone}`, 'package'), { recursive: true });
    // WHEN a caller asks  THEN it builds, and nothing of the killed builder is left
    const project = await sharedStage({ root, stages, build });
    expect(builds).toBe(1);
    expect(readdirSync(stages)).toEqual([`stage-${stageKey(root).slice(0, 16)}`]);
    expect(existsSync(join(project, 'dist', 'out.txt'))).toBe(true);
  });

  test('a failed build publishes nothing and releases the lock; the next caller builds again', async () => {
    const failing = async (project: string): Promise<BundledHandler[]> => {
      await build(project);
      throw new Error('jsii failed');
    };
    await expect(sharedStage({ root, stages, build: failing })).rejects.toThrow('jsii failed');
    expect(readdirSync(stages)).toEqual([]);
    await sharedStage({ root, stages, build });
    expect(builds).toBe(2);
  });

  test('fails if the handler bundles read a file the key does not cover, and publishes nothing', async () => {
    await expect(sharedStage({ root, stages, build: (p) => build(p, ['lib/a.ts', 'app/config/routes.ts']) }))
      .rejects.toThrow(/read app\/config\/routes\.ts, which the shared build's key does not cover: add the folder to STAGE_INPUTS/);
    expect(readdirSync(stages)).toEqual([]);
  });

  test('fails if the sources changed while the build ran, and publishes nothing', async () => {
    const racing = async (project: string): Promise<BundledHandler[]> => {
      const bundles = await build(project);
      writeFileSync(join(root, 'lib', 'a.ts'), 'export const a = 3;\n');
      return bundles;
    };
    await expect(sharedStage({ root, stages, build: racing })).rejects.toThrow('The sources changed while the shared build ran');
    expect(readdirSync(stages)).toEqual([]);
  });

  test('fails if a user wrote into the stage after it was built, naming the file', async () => {
    const project = await sharedStage({ root, stages, build });
    writeFileSync(join(project, 'dist', 'out.txt'), 'changed');
    writeFileSync(join(project, 'extra.txt'), 'added');
    expect(stageChanges(project)).toEqual(['dist/out.txt changed', 'extra.txt added']);
    await expect(sharedStage({ root, stages, build })).rejects.toThrow(/was changed after it was built \(dist\/out\.txt changed, extra\.txt added\)/);
    expect(builds).toBe(1);
  });
});
