// `npm run chaos -- --minutes N`: the chaos runner (test/chaos, TypeScript) compiled on the fly by the
// same swc that Jest uses, so the long run and the short one in `npm test` are one code path.
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
require('../test/chaos/cli.ts');
