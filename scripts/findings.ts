// Dev aid: synthesizes the app with every rule pack and prints one line per unacknowledged finding.
// Usage: npx tsx scripts/findings.ts [stage]
import { App } from 'aws-cdk-lib';
import { buildBaseline } from '../app/baseline';
import { ruleFindings } from '../lib/compliance/findings';
import { loadConfig } from '../app/config';

const app = new App({ context: { ...require('../cdk.json').context, ...(process.argv[2] ? { stages: process.argv[2] } : {}), 'aws:cdk:bundling-stacks': [] } });
buildBaseline(app, loadConfig(app));
const findings = ruleFindings(app);
for (const f of findings) console.log(`${f.rule}\t${f.path}\t${f.description.slice(0, 90).replace(/\s+/g, ' ')}`);
console.log(`${findings.length} findings`);
