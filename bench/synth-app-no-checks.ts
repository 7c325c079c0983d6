/**
 * The reference app exactly as its command (cdk.json `app`, `scripts/synth-app.ts`) runs it, without the validation
 * plugins (no rule packs, no Control Tower checks): the handler bundles' staleness check, then `app/main.ts`'s
 * stacks. The synth section's reference, `cdk synth --app 'npx tsx bench/synth-app-no-checks.ts'`: the two
 * commands differ only in the plugins.
 */
import { App } from 'aws-cdk-lib';
import { buildBaseline } from '../app/baseline';
import { loadConfig } from '../app/config';
import { buildPipeline } from '../app/stacks/pipeline-stack';
import { updateStaleHandlers } from '../scripts/build-handlers';

updateStaleHandlers().then(() => {
  const app = new App();
  const config = loadConfig(app);
  buildBaseline(app, config);
  buildPipeline(app, config);
  app.synth();
}).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
