// @ts-check
/**
 * The order jest hands test files to its workers (jest.config.js `testSequencer`). The suite is CPU-bound on 2 cores,
 * so the longest files go first and no worker waits:
 * - the language test first: it builds the shared staged build of the package (scripts/staged-build.ts) in its first
 *   seconds;
 * - the packed-consumer test, which needs that build too, only third: started second, it waited idle for the build
 *   while the other worker built it;
 * - every other file in jest's own order (failed first, then longest by the last run's times, else largest).
 * A clean clone has no timing cache, and jest's size order would start the 90-second language test somewhere in the
 * middle of the run; the named files are the longest by `npm test` on 2 cores (7 Dec 2026).
 */
const Sequencer = require('@jest/test-sequencer').default;
const { relative } = require('path');

/** The longest files, in the order they start (paths from the repository root). */
const FIRST = [
  'test/languages/languages.test.ts',
  'test/compliance/control-tower-run.test.ts',
  'test/package/consumer.test.ts',
  'test/browser/session.test.ts',
];

class SuiteSequencer extends Sequencer {
  /** @param {import('@jest/test-result').Test[]} tests */
  async sort(tests) {
    const jestOrder = await super.sort(tests);
    const rank = (/** @type {import('@jest/test-result').Test} */ t) => {
      const i = FIRST.indexOf(relative(t.context.config.rootDir, t.path).split('\\').join('/'));
      return i < 0 ? FIRST.length : i;
    };
    // Array.prototype.sort is stable: the files not named keep jest's order.
    return [...jestOrder].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = SuiteSequencer;
