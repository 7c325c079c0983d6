// @ts-check
/**
 * A jest setup file for the `npm test` row of bench/synth.ts (`--setupFilesAfterEnv`): after each test file, appends a
 * line `<file> TAB <wall s> TAB <own CPU s> TAB <children's CPU s>` to the file named by BENCH_TEST_CPU_FILE. Own CPU is
 * the jest worker's during the file (user + system, /proc/self/stat); children's is that of the child processes the
 * worker reaped meanwhile (a Maven build, a `cdk synth`, a pip install). Linux only: elsewhere it records nothing.
 * Work shared by the files of one worker (the template validator's engine, see test/helpers/test-environment.js) counts
 * for the file that started it.
 */
const { appendFileSync, existsSync, readFileSync } = require('fs');

const out = process.env.BENCH_TEST_CPU_FILE;
const STAT = '/proc/self/stat';

/** Clock ticks of CPU: [own, children's] (fields 14-17 of /proc/self/stat, after the command name). */
function ticks() {
  const stat = readFileSync(STAT, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(fields[11]) + Number(fields[12]), Number(fields[13]) + Number(fields[14])];
}

if (out !== undefined && existsSync(STAT)) {
  const start = ticks();
  const started = Date.now();
  afterAll(() => {
    const end = ticks();
    // USER_HZ is 100 on Linux (sysconf(_SC_CLK_TCK)); the kernel reports /proc times in it whatever its own tick rate.
    const file = expect.getState().testPath ?? 'unknown';
    appendFileSync(out, [file, (Date.now() - started) / 1000, (end[0] - start[0]) / 100, (end[1] - start[1]) / 100].join('\t') + '\n');
  });
}
