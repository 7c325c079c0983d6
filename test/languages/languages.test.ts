import { createHash } from 'crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { CloudFormationValidatePlugin } from 'aws-cdk-lib';
import { join } from 'path';
import { assemblyTypesHash, documentedAssemblyHash, LANGUAGE_DOCS } from '../../scripts/api';
import type { HandlerManifest } from '../../scripts/build-handlers';
import {
  buildWheel, generatePythonSources, installWheel, LanguagePackages, MAVEN_REPO, pythonBytecodeEnv, pythonEnvironment, run, runPacmak,
} from '../../scripts/languages';
import { sharedStage, stageChanges } from '../../scripts/staged-build';
import { childProcessEnv } from '../helpers/builtin-validation';
import { validationReport } from '../helpers/compliance';
import { ROOT } from '../package/pack';
import { synthesizeTwin, TwinOutcome } from './twin-app';

/**
 * The library in Python and Java, as users of those languages get it: from a staged build of the npm package,
 * jsii-pacmak builds the Java package and generates the Python package, whose wheel is built from exactly those sources;
 * a Python app (pytest, test/python) and a Java app (Maven, test/java) use them with aws-cdk-lib from PyPI and Maven
 * Central, and each must synthesize what its TypeScript twin (test/languages/twin-app.ts) synthesizes: the same
 * templates, the same Aspect findings and changes. Templates are compared here, byte for byte but for the S3 keys of
 * aws-cdk-lib's own custom-resource handlers, which change with aws-cdk-lib's version (each registry serves another
 * one); the library's own handler assets must be identical.
 *
 * The wheel differs from the release's (`npx tsx scripts/languages.ts`, jsii-pacmak's full build) only in how it is
 * built: the release's pacmak makes a virtual environment, installs build, twine and setuptools into it, builds an sdist
 * and then the wheel from the sdist, each in a fresh isolated environment, and runs `twine check`; here pip builds the
 * wheel straight from the generated sources with the same build backend (the `setuptools.build_meta` of
 * `pyproject.toml`, at the setuptools version pacmak's build gets, pinned in test/python/requirements.txt) inside the
 * test's own environment, without isolation (scripts/languages.ts `buildWheel`). For this package the two wheels hold
 * the same files, byte for byte (checked 6 Dec 2026); the Java package is pacmak's full build, without its javadoc.
 *
 * The apps run under Node.js 24 (.ci/with-node24), the runtime jsii's kernel supports; aws-cdk-lib is the newest each
 * registry serves here (PyPI 2.275.0, Maven Central 2.272.0; the twin uses the repository's 2.276.0), within the
 * package's peer range ^2.270.0.
 */

jest.setTimeout(25 * 60_000);

const WITH_NODE24 = join(ROOT, '.ci', 'with-node24');

/** Runs a language's test command under Node.js 24; returns its output, and fails the test with the output's tail when it fails. */
function runTests(command: string, args: string[], cwd: string, env: Record<string, string>): string {
  return run(WITH_NODE24, [command, ...args], { cwd, env: childProcessEnv({ ...env, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1' }) });
}

const STACKS = ['Edge', 'LegacyReport', 'LegacyFix'];

/**
 * One stack's template as two apps can be compared across aws-cdk-lib versions: the S3 key of every asset whose
 * contents are not a handler bundle of this library (aws-cdk-lib's own custom-resource handlers, which change with its
 * version) becomes `<aws-cdk-lib asset: display name>`. The library's own assets keep their hashes, so they must be the
 * same bytes in every language. Returns the template and the display names it masked.
 */
function comparableTemplate(outdir: string, stack: string, libraryBundles: Set<string>): { template: unknown; masked: string[] } {
  const assets = JSON.parse(readFileSync(join(outdir, `${stack}.assets.json`), 'utf8')) as {
    files: Record<string, { displayName?: string; source: { path?: string } }>;
  };
  const masks = new Map<string, string>();
  for (const [hash, asset] of Object.entries(assets.files)) {
    if (asset.source.path === undefined || !asset.source.path.startsWith('asset.')) continue;
    const index = join(outdir, asset.source.path, 'index.js');
    const ours = existsSync(index) && libraryBundles.has(sha256(readFileSync(index)));
    if (!ours) masks.set(`${hash}.zip`, `<aws-cdk-lib asset: ${asset.displayName ?? hash}>`);
  }
  const text = readFileSync(join(outdir, `${stack}.template.json`), 'utf8');
  const template = JSON.parse(text, (_key, value: unknown) => typeof value === 'string' && masks.has(value) ? masks.get(value) : value) as unknown;
  return { template, masked: [...masks.values()].sort() };
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** The SHA-256 of each handler bundle of the staged build, as its `dist/handlers/manifest.json` lists them. */
function bundleHashes(stage: string): Set<string> {
  const manifest = JSON.parse(readFileSync(join(stage, 'dist', 'handlers', 'manifest.json'), 'utf8')) as HandlerManifest;
  return new Set(Object.values(manifest.handlers).map((h) => h.sha256));
}

/** Every template a language's app wrote equals the twin's; only aws-cdk-lib's own custom-resource handler assets may differ. */
function expectTwinTemplates(twinDir: string, outdir: string, stage: string): void {
  const bundles = bundleHashes(stage);
  expect(bundles.size).toBeGreaterThanOrEqual(2);
  for (const stack of STACKS) {
    const twin = comparableTemplate(twinDir, stack, bundles);
    const other = comparableTemplate(outdir, stack, bundles);
    expect({ stack, template: other.template }).toEqual({ stack, template: twin.template });
    // what was masked is aws-cdk-lib's: its custom-resource providers, never the library's authorizer
    for (const masked of twin.masked) expect(masked).toMatch(new RegExp(`^<aws-cdk-lib asset: ${stack}/Custom::\\w+CustomResourceProvider Code>$`));
  }
  // the library's authorizer bundle is in the Edge stack, unmasked and equal
  expect(JSON.stringify(comparableTemplate(outdir, 'Edge', bundles).template)).toContain('"Handler":"index.handler"');
  // the app ran as users run it: aws-cdk-lib's built-in validator checked its templates, and found nothing
  expect(validationReport(outdir).pluginReports.map((p) => [p.pluginName, p.conclusion])).toContainEqual([CloudFormationValidatePlugin.PLUGIN_NAME, 'success']);
}

describe('the library from Python and Java (jsii)', () => {
  let work: string;
  /** The shared staged build of the package (scripts/staged-build.ts): read here, never written. */
  let stage: string;
  let packages: LanguagePackages;
  let twinDir: string;
  let twin: TwinOutcome;
  let python: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'languages-'));
    // Overlapped: pip fills the Python environment (a download on a clean machine) while the package builds, and the
    // TypeScript twin synthesizes in this process while jsii-pacmak runs in its own.
    const environment = pythonEnvironment();
    environment.catch(() => undefined); // awaited below; a failure must not be an unhandled rejection meanwhile
    stage = await sharedStage();
    const pacmak = runPacmak(stage, join(work, 'packages'), ['java'], { javadoc: false });
    pacmak.catch(() => undefined);
    const pythonSources = generatePythonSources(stage, join(work, 'generated'));
    pythonSources.catch(() => undefined);
    twinDir = join(work, 'twin');
    twin = synthesizeTwin(twinDir);
    python = await environment;
    const wheel = buildWheel(python, await pythonSources, join(work, 'packages', 'python'));
    packages = { ...(await pacmak), wheel };
  });

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  test('the npm package ships the .jsii assembly, and jsii-pacmak builds a Python wheel and a Java package from it', () => {
    const assembly = JSON.parse(readFileSync(join(stage, '.jsii'), 'utf8')) as {
      name: string; types: Record<string, { kind: string }>; targets: Record<string, unknown>; dependencies: Record<string, string>;
    };
    expect(assembly.name).toBe('aws-security-baseline');
    expect(Object.keys(assembly.targets).sort()).toEqual(['dotnet', 'go', 'java', 'js', 'python']);
    // the constructs and the Aspect are in the assembly, so every language has them
    for (const fqn of ['aws-security-baseline.JwtAuthorizer', 'aws-security-baseline.WebFirewall', 'aws-security-baseline.SecurityBaseline']) {
      expect(assembly.types[fqn]?.kind).toBe('class');
    }
    // the handler code is a pre-built asset, never part of the assembly
    expect(Object.keys(assembly.types).filter((fqn) => /lambda|handler/i.test(fqn.split('.').slice(1).join('.')) && !/Lambda/.test(fqn))).toEqual([]);
    expect(existsSync(packages.wheel)).toBe(true);
    expect(packages.wheel).toMatch(/aws_security_baseline-\d+\.\d+\.\d+-py3-none-any\.whl$/);
    expect(existsSync(packages.javaRepository)).toBe(true);
    // the twin is not trivial: report mode found the stock defaults and fix mode changed some
    expect(twin.reportFindings).toHaveLength(4);
    expect(twin.fixChanges.length).toBeGreaterThan(0);
  });

  test('the Python and Java API reference (docs/api-<language>.md, jsii-docgen) describes this assembly', () => {
    const hash = assemblyTypesHash(JSON.parse(readFileSync(join(stage, '.jsii'), 'utf8')) as { types?: unknown });
    for (const { language, file } of LANGUAGE_DOCS) {
      // stale or missing: regenerate with `npm run api`
      expect({ language, documented: documentedAssemblyHash(file) }).toEqual({ language, documented: hash });
    }
  });

  test('a Python app (pytest) synthesizes the templates, findings and changes of its TypeScript twin', () => {
    installWheel(python, packages.wheel);
    const outdir = join(work, 'python-out');
    const output = runTests(python, ['-m', 'pytest', '-q', '--color=no', '-p', 'no:cacheprovider', join(ROOT, 'test', 'python')], join(ROOT, 'test', 'python'), {
      TWIN_DIR: twinDir, PY_OUT: outdir, ...pythonBytecodeEnv(python),
    });
    expect(output).toMatch(/\b7 passed\b/);
    expectTwinTemplates(twinDir, outdir, stage);
  });

  test('a Java app (Maven) synthesizes the templates, findings and changes of its TypeScript twin', () => {
    // the Maven project is copied out, so its target/ folder is written outside the repository
    const project = join(work, 'java');
    cpSync(join(ROOT, 'test', 'java'), project, { recursive: true });
    const { groupId, artifactId, version } = packages.javaArtifact;
    const outdir = join(work, 'java-out');
    const output = runTests('mvn', ['-B', `-Dmaven.repo.local=${MAVEN_REPO}`, `-Dbaseline.repository=file://${packages.javaRepository}`,
      `-Dbaseline.version=${version}`, 'test'], project, { TWIN_DIR: twinDir, JAVA_OUT: outdir });
    expect(output).toMatch(/Tests run: 2, Failures: 0, Errors: 0/);
    expectTwinTemplates(twinDir, outdir, stage);
    expect(`${groupId}:${artifactId}`).toBe('io.github.example-org:aws-security-baseline');
  });

  test('jsii-pacmak and the apps left the shared build as it was built (they wrote into folders of their own)', () => {
    expect(stageChanges(stage)).toEqual([]);
  });
});
