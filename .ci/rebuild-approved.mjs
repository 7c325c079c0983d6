// Runs the install scripts of exactly the packages that package.json `allowScripts` approves (value true), after an
// `npm ci --ignore-scripts`. npm 11 applies `allowScripts` by itself; npm 10 (Node 20 and 22) ignores it and would run
// every dependency's install script, so CI installs with --ignore-scripts and rebuilds only these, on every npm.
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
if (approved.length > 0) execFileSync('npm', ['rebuild', ...approved], { stdio: 'inherit' });
