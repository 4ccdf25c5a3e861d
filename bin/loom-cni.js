#!/usr/bin/env node
// The CNI plugin is compiled TypeScript; `npm run build` (run by `npm run setup`) produces dist/.
// Whatever happens, the runtime gets a CNI error on stdout, never a stack trace.
function fail(err) {
  const notBuilt = err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('dist/fabric/cni/main');
  const msg = notBuilt ? 'loom-cni: not built yet; run `npm run setup` (installs dependencies and compiles) first' : `loom-cni: ${err && err.message}`;
  process.stdout.write(JSON.stringify({ cniVersion: '1.0.0', code: 5, msg }) + '\n');
  process.exitCode = 1;
}
try {
  require('../dist/fabric/cni/main.js').main().catch(fail);
} catch (err) {
  fail(err);
}
