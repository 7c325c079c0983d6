/**
 * The library in the other CDK languages: builds the Python wheel and the Java package with jsii-pacmak from a staged
 * build of the package (the same `.jsii` and npm tarball `npm publish` would ship), and prepares the environments the
 * language tests run in (test/languages/languages.test.ts runs them; the release workflow builds the same packages).
 *
 * Everything comes from this machine's registries: Python packages from PyPI into `.tmp/python-<hash>` (a venv keyed
 * by test/python/requirements.txt), Java artifacts from Maven Central into `.tmp/m2` (a Maven repository of the
 * repository's own, so CI needs no `~/.m2`). Both are kept between runs; a clean clone fills them once.
 *
 * `npx tsx scripts/languages.ts <outdir> [target...]` builds the packages into `<outdir>/<target>` (default targets:
 * python and java; the release workflow adds dotnet and go, whose toolchains this machine lacks).
 */
import { execFileSync, ExecFileSyncOptions, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { buildPackage } from './build';
import { ROOT } from './handlers';

/** The Maven repository the Java build and the Java test share (`-Dmaven.repo.local`). */
export const MAVEN_REPO = join(ROOT, '.tmp', 'm2');

/**
 * Artifacts Maven Central serves here but lists in no version metadata (its `maven-metadata.xml` stops at older
 * versions), so a version range such as the package's `[2.270.0,3.0.0)` would not find them. Each is fetched once and
 * installed into {@link MAVEN_REPO}, whose local metadata then lists it. Versions: the newest whose jar is served here.
 */
export const MAVEN_PINS = [
  { groupId: 'software.amazon.awscdk', artifactId: 'aws-cdk-lib', version: '2.272.0' },
  { groupId: 'io.github.cdklabs', artifactId: 'cdknag', version: '3.0.2' },
];

const QUIET: ExecFileSyncOptions = { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 };

/** A failed command's error: the command, its exit, and its output's last lines (the reason), without jsii's banners. */
function commandFailed(command: string, args: string[], exit: unknown, output: string, cause?: unknown): Error {
  const tail = output.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('!!')).slice(-40).join('\n');
  return new Error(`${command} ${args.join(' ')} failed (exit ${String(exit)}):\n${tail}`, { cause });
}

/** Runs a command; on failure, throws with its output's last lines (the reason), never a bare exit code. */
export function run(command: string, args: string[], options: ExecFileSyncOptions = {}): string {
  try {
    return String(execFileSync(command, args, { ...QUIET, ...options }));
  } catch (err) {
    const e = err as { stdout?: Buffer | string; stderr?: Buffer | string; status?: number };
    throw commandFailed(command, args, e.status, `${String(e.stdout ?? '')}\n${String(e.stderr ?? '')}`, err);
  }
}

/** Runs a command without blocking the event loop; on failure, rejects with its output's last lines (the reason). */
export function runAsync(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const output = Buffer.concat(chunks).toString('utf8');
      if (code === 0) return resolvePromise(output);
      reject(commandFailed(command, args, code ?? signal, output));
    });
  });
}

/** The packages jsii-pacmak built. */
export interface LanguagePackages {
  /** The Python wheel. */
  readonly wheel: string;
  /** A Maven repository folder holding the Java package (`<groupId path>/<artifactId>/<version>`). */
  readonly javaRepository: string;
  /** The Java package's coordinates. */
  readonly javaArtifact: { readonly groupId: string; readonly artifactId: string; readonly version: string };
}

/** The jsii-pacmak targets the tests build and check here. */
export const TESTED_TARGETS = ['python', 'java'];

/**
 * Builds the package into `<work>/stage` (jsii, the http entry, the handler bundles) and runs jsii-pacmak there for
 * `targets` (all at once), writing `<out>/<target>` (default `<work>/packages`).
 */
export async function buildLanguagePackages(work: string, targets: string[] = TESTED_TARGETS, out: string = join(work, 'packages')): Promise<LanguagePackages> {
  return runPacmak(await stagePackage(work), out, targets);
}

/** Builds the package into `<work>/stage`, as `npm pack` would (jsii, the http entry, the handler bundles); returns the stage. */
export async function stagePackage(work: string): Promise<string> {
  const stage = join(work, 'stage');
  mkdirSync(stage, { recursive: true });
  await buildPackage(join(stage, 'dist'));
  return stage;
}

/**
 * Runs jsii-pacmak on a staged package (`stagePackage`, or the tests' shared build, scripts/staged-build.ts) for
 * `targets`, writing `<out>/<target>` and nothing into the stage, in a child process, so a caller can do other work (the
 * language test synthesizes the TypeScript twin meanwhile).
 */
export async function runPacmak(stage: string, out: string, targets: string[] = TESTED_TARGETS,
  options: { readonly javadoc?: boolean } = {}): Promise<LanguagePackages> {
  if (targets.includes('java')) await prepareMaven();
  for (const target of targets) rmSync(join(out, target), { recursive: true, force: true });
  await pacmak(stage, ['--targets', ...targets, '--outdir', out, '--maven-local-repository', MAVEN_REPO,
    // The tests need the jar, not its javadoc (the slowest part of the Java build); a release builds both.
    ...(options.javadoc === false ? ['--mvn-define=maven.javadoc.skip=true'] : [])]);
  const pythonDir = join(out, 'python');
  const wheel = existsSync(pythonDir) ? readdirSync(pythonDir).find((f) => f.endsWith('.whl')) : undefined;
  if (wheel === undefined && targets.includes('python')) throw new Error(`jsii-pacmak wrote no wheel into ${pythonDir}`);
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    version: string; jsii: { targets: { java: { maven: { groupId: string; artifactId: string } } } };
  };
  const { groupId, artifactId } = manifest.jsii.targets.java.maven;
  const javaRepository = join(out, 'java');
  const jar = join(javaRepository, ...groupId.split('.'), artifactId, manifest.version, `${artifactId}-${manifest.version}.jar`);
  if (!existsSync(jar) && targets.includes('java')) throw new Error(`jsii-pacmak wrote no Java package at ${jar}`);
  return { wheel: join(pythonDir, wheel ?? '(not built)'), javaRepository, javaArtifact: { groupId, artifactId, version: manifest.version } };
}

/** Runs jsii-pacmak in the stage, in a child process. */
function pacmak(stage: string, args: string[]): Promise<string> {
  return runAsync(process.execPath, [join(ROOT, 'node_modules', 'jsii-pacmak', 'bin', 'jsii-pacmak'), ...args], {
    cwd: stage, env: {
      ...process.env, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1',
      // The build ran already: pacmak's `npm pack <stage>` must not run prepack (a second build). This is said through
      // npm's environment, not `--pack-command`: pacmak copies the package folder before a custom pack command,
      // dereferencing the stage's node_modules link, which took 37-42 s of the 55-61 s pacmak ran (6 Dec 2026).
      npm_config_ignore_scripts: 'true',
    },
  });
}

/**
 * The Python package's sources as jsii-pacmak generates them (`--code-only`: `setup.py`, `pyproject.toml`, `src/`),
 * in `<out>/python`; {@link buildWheel} builds the tests' wheel from them. Returns the folder.
 */
export async function generatePythonSources(stage: string, out: string): Promise<string> {
  rmSync(join(out, 'python'), { recursive: true, force: true });
  await pacmak(stage, ['--targets', 'python', '--code-only', '--outdir', out]);
  return join(out, 'python');
}

/**
 * Builds the wheel of the Python sources jsii-pacmak generated (`sources`) into `outDir` with the environment's
 * `python`, the way a PEP 517 frontend without build isolation does: the build backend the sources' `pyproject.toml`
 * names (setuptools.build_meta, checked) runs from the environment, whose setuptools must satisfy the version
 * `pyproject.toml` requires (test/python/requirements.txt pins it; checked), as must whatever the backend asks for
 * (`get_requires_for_build_wheel`), and builds the wheel in the sources' folder. jsii-pacmak's own build (the
 * release's) makes a virtual environment, installs build, twine and setuptools into it, builds an sdist and then the
 * wheel from that sdist, each in a fresh isolated environment, then runs `twine check`: 12-15 s more CPU. For this
 * package both give the same wheel, file for file and byte for byte (checked 6 Dec 2026).
 */
export function buildWheel(python: string, sources: string, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  run(python, ['-c', BUILD_WHEEL, outDir], { cwd: sources });
  const wheel = readdirSync(outDir).find((f) => f.endsWith('.whl'));
  if (wheel === undefined) throw new Error(`setuptools wrote no wheel into ${outDir}`);
  return join(outDir, wheel);
}

/** Python, run in the sources' folder: checks the build backend and its requirements, then builds the wheel into argv[1]. */
const BUILD_WHEEL = `
import sys, tomllib
from importlib.metadata import PackageNotFoundError, version
from packaging.requirements import Requirement
out = sys.argv[1]  # before the backend, which rewrites sys.argv
def unmet(requirement):
    try:
        return not requirement.specifier.contains(version(requirement.name), prereleases=True)
    except PackageNotFoundError:
        return True
system = tomllib.load(open("pyproject.toml", "rb"))["build-system"]
if system["build-backend"] != "setuptools.build_meta":
    sys.exit(f"pyproject.toml names the build backend {system['build-backend']}, not setuptools.build_meta")
backend = [r for r in map(Requirement, system["requires"]) if r.name == "setuptools"]
if len(backend) != 1 or unmet(backend[0]):
    sys.exit(f"pyproject.toml requires {system['requires']}; the environment has setuptools {version('setuptools')}: pin it in test/python/requirements.txt")
import setuptools.build_meta
asked = [r for r in map(Requirement, setuptools.build_meta.get_requires_for_build_wheel()) if unmet(r)]
if asked:
    sys.exit(f"the build backend asks for {asked}: add them to test/python/requirements.txt")
setuptools.build_meta.build_wheel(out)
`;

/**
 * Fetches {@link MAVEN_PINS} into {@link MAVEN_REPO} and installs them there (once), so version ranges find them. One
 * Maven run does it all (each run starts a JVM, about 3 s of CPU): a throwaway project whose `validate` phase copies
 * each pin's jar and pom (`dependency:copy`, the artifacts alone: nothing they depend on, which the builds that use
 * them resolve, at the versions they ask for) and installs the copies (`install:install-file`). Fetching each pin with
 * its dependencies (`dependency:get`) also downloaded what nothing here uses: aws-cdk-lib 2.263.0 (111 MB, the newest
 * version cdknag's range finds in Maven Central's metadata) and older asset jars, 160 MB in all.
 */
export async function prepareMaven(): Promise<void> {
  mkdirSync(MAVEN_REPO, { recursive: true });
  const missing = MAVEN_PINS.filter((pin) => {
    const localMetadata = join(MAVEN_REPO, ...pin.groupId.split('.'), pin.artifactId, 'maven-metadata-local.xml');
    return !(existsSync(localMetadata) && readFileSync(localMetadata, 'utf8').includes(`<version>${pin.version}</version>`));
  });
  if (missing.length === 0) return;
  // install-file reads the jar and pom from outside the repository it writes to
  const project = join(MAVEN_REPO, '..', 'm2-install');
  rmSync(project, { recursive: true, force: true });
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'pom.xml'), pinsProject(missing, project));
  try {
    await runAsync('mvn', ['-B', '-q', `-Dmaven.repo.local=${MAVEN_REPO}`, '-f', join(project, 'pom.xml'), 'validate']);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}

/** The throwaway Maven project of {@link prepareMaven}: copies each pin's jar and pom into `dir`, then installs them. */
function pinsProject(pins: typeof MAVEN_PINS, dir: string): string {
  const file = (pin: (typeof MAVEN_PINS)[number], type: string) => join(dir, `${pin.artifactId}-${pin.version}.${type}`);
  const items = pins.flatMap((pin) => ['jar', 'pom'].map((type) => `<artifactItem><groupId>${pin.groupId}</groupId><artifactId>${pin.artifactId}</artifactId>`
    + `<version>${pin.version}</version><type>${type}</type><outputDirectory>${dir}</outputDirectory></artifactItem>`));
  const installs = pins.map((pin, i) => `<execution><id>install-${i}</id><phase>validate</phase><goals><goal>install-file</goal></goals>`
    + `<configuration><file>${file(pin, 'jar')}</file><pomFile>${file(pin, 'pom')}</pomFile></configuration></execution>`);
  // the plugin versions Maven 3.8's command line uses for dependency:get and install:install-file
  return `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>local.baseline</groupId><artifactId>maven-pins</artifactId><version>1</version><packaging>pom</packaging>
<build><plugins>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>2.8</version>
<executions><execution><id>copy</id><phase>validate</phase><goals><goal>copy</goal></goals>
<configuration><artifactItems>${items.join('')}</artifactItems></configuration></execution></executions></plugin>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-install-plugin</artifactId><version>2.4</version>
<executions>${installs.join('')}</executions></plugin>
</plugins></build></project>
`;
}

/**
 * A Python virtual environment with test/python/requirements.txt installed, kept in `.tmp/python-<hash>` (the hash of
 * the requirements file, so a changed pin gets a new environment). Returns the environment's `python`. The installs run
 * in child processes, so a caller can build the packages meanwhile.
 */
export async function pythonEnvironment(): Promise<string> {
  const requirements = join(ROOT, 'test', 'python', 'requirements.txt');
  const hash = createHash('sha256').update(readFileSync(requirements)).digest('hex').slice(0, 12);
  const venv = join(ROOT, '.tmp', `python-${hash}`);
  const python = join(venv, 'bin', 'python');
  const done = join(venv, '.installed');
  if (!existsSync(done)) {
    rmSync(venv, { recursive: true, force: true });
    await runAsync('python3', ['-m', 'venv', venv]);
    // --no-compile: pip byte-compiles every module it installs (aws-cdk-lib's hundreds), 19 of the install's 28 s here;
    // Python compiles the modules an app imports on first use instead, into the environment (`pythonBytecodeEnv`).
    await runAsync(python, ['-m', 'pip', 'install', '-q', '--no-compile', '--disable-pip-version-check', '-r', requirements]);
    writeFileSync(done, 'installed from test/python/requirements.txt\n');
  }
  return python;
}

/**
 * The environment variables under which the environment's `python` keeps its compiled modules inside the environment
 * (`<venv>/pycache`), never in `__pycache__` folders beside the sources (such as test/python in the repository), so
 * the modules an app imports are compiled once per environment, not on every run.
 */
export function pythonBytecodeEnv(python: string): Record<string, string> {
  // an empty PYTHONDONTWRITEBYTECODE is unset for Python: a machine that sets it would compile every import on every run
  return { PYTHONPYCACHEPREFIX: join(dirname(dirname(python)), 'pycache'), PYTHONDONTWRITEBYTECODE: '' };
}

/** Installs the wheel into the environment, without dependencies (the environment's pins decide them). */
export function installWheel(python: string, wheel: string): void {
  run(python, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '--no-deps', '--force-reinstall', wheel]);
}

if (require.main === module) {
  const outdir = resolve(process.argv[2] ?? join(ROOT, 'dist', 'languages'));
  const targets = process.argv.length > 3 ? process.argv.slice(3) : TESTED_TARGETS;
  const work = mkdtempSync(join(tmpdir(), 'languages-'));
  buildLanguagePackages(work, targets, outdir).then((p) => {
    rmSync(work, { recursive: true, force: true });
    for (const target of targets) console.log(`${target.padEnd(7)} ${join(outdir, target)}`);
    console.log(`wheel   ${p.wheel}`);
  }).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
