/**
 * The reference app exactly as `app/main.ts` builds it, without the validation plugins (no rule packs, no Control
 * Tower checks): the synth section's reference, `cdk synth --app 'npx tsx bench/synth-app-no-checks.ts'`.
 */
import { App } from 'aws-cdk-lib';
import { buildBaseline } from '../app/baseline';
import { loadConfig } from '../app/config';
import { buildPipeline } from '../app/stacks/pipeline-stack';

const app = new App();
const config = loadConfig(app);
buildBaseline(app, config);
buildPipeline(app, config);
app.synth();
