// Regenerates the API reports of the package's public entries (api/*.api.md) with @microsoft/api-extractor.
// Each report lists every exported name and signature, so a change to the public surface shows up in review.
//
// Usage: npm run api            (emit declarations, rewrite the reports, then regenerate the API reference docs/api)
//        npm run api -- --check (fail when a committed report is stale or an entry leaks an unexported type)
//
// Declarations come from `tsc -p tsconfig.build.json` (the same project `npm run build` compiles), emitted into
// .tmp/api-dts so the check never depends on, or overwrites, dist/.
import { execFileSync } from 'child_process';
import { rmSync } from 'fs';
import { join } from 'path';
import { Extractor, ExtractorConfig, ExtractorLogLevel, ExtractorMessage } from '@microsoft/api-extractor';

const ROOT = join(__dirname, '..');
export const DECLARATIONS_DIR = join(ROOT, '.tmp', 'api-dts');
/** One api-extractor config per public entry of package.json `exports`. */
export const API_ENTRIES = [
  { entry: '.', config: join(ROOT, 'api-extractor.json'), report: join(ROOT, 'api', 'aws-security-baseline.api.md') },
  { entry: './compliance', config: join(ROOT, 'api-extractor.compliance.json'), report: join(ROOT, 'api', 'compliance.api.md') },
  { entry: './http', config: join(ROOT, 'api-extractor.http.json'), report: join(ROOT, 'api', 'http.api.md') },
] as const;

function emitDeclarations(): void {
  rmSync(DECLARATIONS_DIR, { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'),
    '--outDir', DECLARATIONS_DIR, '--rootDir', ROOT, '--declaration', '--emitDeclarationOnly', '--declarationMap', 'false',
    '--sourceMap', 'false', '--inlineSources', 'false'], { cwd: ROOT, stdio: 'inherit' });
}

function main(): void {
  const check = process.argv.includes('--check');
  emitDeclarations();
  const problems: string[] = [];
  for (const { entry, config, report } of API_ENTRIES) {
    const prepared = ExtractorConfig.loadFileAndPrepare(config);
    const result = Extractor.invoke(prepared, {
      localBuild: !check,
      messageCallback: (message: ExtractorMessage) => {
        // Warnings and errors print with their source location; info lines stay quiet.
        if (message.logLevel === ExtractorLogLevel.Info || message.logLevel === ExtractorLogLevel.Verbose) message.handled = true;
      },
    });
    const name = report.slice(ROOT.length + 1);
    if (result.errorCount > 0) problems.push(`${entry}: ${result.errorCount} error(s) (see above)`);
    if (check && result.apiReportChanged) {
      problems.push(`${entry}: ${name} is stale: the public API changed. Fix: run \`npm run api\`, review the diff and commit it.`);
    }
    console.log(`${entry}: ${name} ${check ? (result.apiReportChanged ? 'STALE' : 'up to date') : result.apiReportChanged ? 'updated' : 'unchanged'}` +
      ` (${result.warningCount} warning(s))`);
  }
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
  if (!check) {
    // The reference docs describe the same surface: regenerate them in the same step (`npm run docs` alone does only this).
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc')], { cwd: ROOT, stdio: 'inherit' });
  }
}

if (require.main === module) main();
