import { spawnSync } from 'child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { assemblyTypesHash, documentedAssemblyHash, LANGUAGE_DOCS } from '../../scripts/api';
import { buildLanguagePackages, installWheel, LanguagePackages, MAVEN_REPO, pythonEnvironment } from '../../scripts/languages';
import { ROOT } from '../package/pack';
import { synthesizeTwin, TwinOutcome } from './twin-app';

/**
 * The library in Python and Java, as users of those languages get it: jsii-pacmak builds the wheel and the Java package
 * from a staged build of the npm package, a Python app (pytest, test/python) and a Java app (Maven, test/java) use
 * them with aws-cdk-lib from PyPI and Maven Central, and each must synthesize exactly what its TypeScript twin
 * (test/languages/twin-app.ts) synthesizes: the same templates, the same Aspect findings and changes.
 *
 * The apps run under Node.js 24 (.ci/with-node24), the runtime jsii's kernel supports; aws-cdk-lib is the newest each
 * registry serves here (PyPI 2.275.0, Maven Central 2.272.0; the twin uses the repository's 2.276.0), within the
 * package's peer range ^2.270.0.
 */

jest.setTimeout(25 * 60_000);

const WITH_NODE24 = join(ROOT, '.ci', 'with-node24');

/** Runs a language's test command; returns its output, and fails the test with the output's tail when it fails. */
function runTests(command: string, args: string[], cwd: string, env: Record<string, string>): string {
  const result = spawnSync(WITH_NODE24, [command, ...args], {
    cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...env, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1' },
  });
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal}):\n${output.split('\n').slice(-80).join('\n')}`);
  return output;
}

describe('the library from Python and Java (jsii)', () => {
  let work: string;
  let packages: LanguagePackages;
  let twinDir: string;
  let twin: TwinOutcome;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'languages-'));
    packages = await buildLanguagePackages(work);
    twinDir = join(work, 'twin');
    twin = synthesizeTwin(twinDir);
  });

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  test('the npm package ships the .jsii assembly, and jsii-pacmak builds a Python wheel and a Java package from it', () => {
    const assembly = JSON.parse(readFileSync(join(work, 'stage', '.jsii'), 'utf8')) as {
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
    const hash = assemblyTypesHash(JSON.parse(readFileSync(join(work, 'stage', '.jsii'), 'utf8')) as { types?: unknown });
    for (const { language, file } of LANGUAGE_DOCS) {
      // stale or missing: regenerate with `npm run api`
      expect({ language, documented: documentedAssemblyHash(file) }).toEqual({ language, documented: hash });
    }
  });

  test('a Python app (pytest) synthesizes the templates, findings and changes of its TypeScript twin', () => {
    const python = pythonEnvironment();
    installWheel(python, packages.wheel);
    const output = runTests(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', join(ROOT, 'test', 'python')], join(ROOT, 'test', 'python'), {
      TWIN_DIR: twinDir, PYTHONDONTWRITEBYTECODE: '1',
    });
    expect(output).toMatch(/\b7 passed\b/);
  });

  test('a Java app (Maven) synthesizes the templates, findings and changes of its TypeScript twin', () => {
    // the Maven project is copied out, so its target/ folder is written outside the repository
    const project = join(work, 'java');
    cpSync(join(ROOT, 'test', 'java'), project, { recursive: true });
    const { groupId, artifactId, version } = packages.javaArtifact;
    const output = runTests('mvn', ['-B', `-Dmaven.repo.local=${MAVEN_REPO}`, `-Dbaseline.repository=file://${packages.javaRepository}`,
      `-Dbaseline.version=${version}`, 'test'], project, { TWIN_DIR: twinDir });
    expect(output).toMatch(/Tests run: 2, Failures: 0, Errors: 0/);
    expect(`${groupId}:${artifactId}`).toBe('io.github.example-org:aws-security-baseline');
  });
});
