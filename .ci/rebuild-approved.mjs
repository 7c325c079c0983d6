// Runs the install scripts of exactly the packages that package.json `allowScripts` approves (value true), after an
// `npm ci --ignore-scripts`. A plain `npm ci` runs every dependency's install script on npm 10 and npm 11 alike
// (allowScripts is not applied), so every install of this repository takes this path (test/ci/ci-config.test.ts).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const { allowScripts = {} } = JSON.parse(readFileSync('package.json', 'utf8'));
const approved = Object.entries(allowScripts).filter(([, allowed]) => allowed === true).map(([name]) => name);
const missing = approved.filter((name) => !existsSync(`node_modules/${name}/package.json`));
if (missing.length > 0) {
  console.error(`allowScripts approves ${missing.join(', ')}, which the lockfile no longer installs. Fix: remove them from allowScripts.`);
  process.exit(1);
}
console.log(`Running install scripts of: ${approved.join(', ') || '(none)'}`);
// --ignore-scripts=false: the pipeline's CodeBuild projects set NPM_CONFIG_IGNORE_SCRIPTS=true for every other npm command.
if (approved.length > 0) execFileSync('npm', ['rebuild', '--ignore-scripts=false', ...approved], { stdio: 'inherit' });
