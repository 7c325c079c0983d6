// Dev aid: synthesizes the app with every rule pack and prints one line per unacknowledged finding.
// Usage: npx tsx scripts/findings.ts [stage]
import { App } from 'aws-cdk-lib';
import { buildBaseline } from '../lib/baseline';
import { createRulePacks } from '../lib/compliance/rule-packs';
import { loadConfig } from '../lib/config';

const app = new App({ context: { ...require('../cdk.json').context, ...(process.argv[2] ? { stages: process.argv[2] } : {}), 'aws:cdk:bundling-stacks': [] } });
buildBaseline(app, loadConfig(app));
let total = 0;
for (const pack of createRulePacks(app)) {
  const result = (pack as unknown as { validateScope(s: unknown): { violations: { ruleName: string; description: string; violatingResources: { constructPath?: string }[] }[] } }).validateScope(app);
  for (const v of result.violations) {
    for (const c of v.violatingResources) {
      total++;
      console.log(`${v.ruleName}\t${c.constructPath}\t${v.description.slice(0, 90).replace(/\s+/g, ' ')}`);
    }
  }
}
console.log(`${total} findings`);
