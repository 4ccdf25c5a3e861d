#!/usr/bin/env node
// The CLI is compiled TypeScript; `npm run build` (run by `npm run setup`) produces dist/.
try {
  require('../dist/src/cli/main.js').main(process.argv.slice(2));
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli/main')) {
    console.error('loom: not built yet; run `npm run setup` (installs dependencies and compiles) first');
    process.exit(1);
  }
  throw err;
}
