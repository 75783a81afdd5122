// Loaded into every test process (package.json: tap.node-arg). tap's runner imports @tapjs/processinfo into each
// test process, and processinfo hooks child_process so that every child gets it too (--import in NODE_OPTIONS): an
// off-thread module loader that records each file the child loads, for coverage. With coverage off it records for
// nothing, and it triples what a child Node process costs to start (`doorman check`: ~0.7 s of CPU → ~2 s). The
// tests start hundreds of them (the CLI is their subject): with coverage off, children start as users start them.
// With coverage on (`npm run coverage`), this does nothing and children are tracked as before.
if (process.env._TAPJS_PROCESSINFO_COVERAGE_ === '0') {
  // process-on-spawn keeps its hooks in this global singleton; processinfo's is the only one.
  const state = globalThis[Symbol.for('process-on-spawn@*:singletonId')]
  if (state) state.listeners.length = 0
  if (process.env.NODE_OPTIONS) {
    process.env.NODE_OPTIONS = process.env.NODE_OPTIONS.replace(/\s*"?--(?:import|loader|experimental-loader)=[^"\s]*@tapjs\/processinfo[^"\s]*"?/g, '').trim()
    if (process.env.NODE_OPTIONS === '') delete process.env.NODE_OPTIONS
  }
}
