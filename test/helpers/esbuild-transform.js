// Jest transformer: strips TypeScript with esbuild (type checking is `tsc --noEmit` in .ci/run).
'use strict';
const { transformSync } = require('esbuild');
const crypto = require('crypto');

module.exports = {
  getCacheKey(source, path) {
    return crypto.createHash('sha256').update(path).update('\0').update(source).update('v1').digest('hex');
  },
  process(source, path) {
    const result = transformSync(source, {
      loader: path.endsWith('.tsx') ? 'tsx' : 'ts',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'inline',
      sourcefile: path,
    });
    return { code: result.code };
  },
};
