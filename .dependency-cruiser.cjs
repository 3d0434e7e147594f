/** Keeps the layering of docs/ARCHITECTURE: dependencies point inward, adapters never import each other, no cycles. */
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'domain-is-pure',
      comment: 'src/domain does no I/O and imports no framework or vendor SDK.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: ['^src/(app|ingest|store|channels|jobs|telemetry|platform|cli|nut)/', 'node_modules/(express|ioredis|twilio|nodemailer|pino|prom-client|node-schedule)'] },
    },
    {
      name: 'app-uses-ports',
      comment: 'Use cases depend on the domain and ports, not on adapters.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: ['^src/(ingest|store|channels|jobs|platform|cli|nut)/', 'node_modules/(express|ioredis|twilio|nodemailer)'] },
    },
    {
      name: 'adapters-do-not-import-each-other',
      severity: 'error',
      from: { path: '^src/(ingest|store|channels)/' },
      to: { path: '^src/(ingest|store|channels)/', pathNot: ['^src/$1/'] },
    },
    {
      name: 'vendor-sdks-stay-in-their-folder',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/channels/twilio/', '^src/channels/email/'] },
      to: { path: 'node_modules/(twilio|nodemailer)/' },
    },
    {
      name: 'only-the-container-wires',
      comment: 'Nothing but the entry points (main.ts, engine-worker.ts, cli) imports the container.',
      severity: 'error',
      from: { pathNot: ['^src/(main|engine-worker|cli)\\.ts$', '^src/cli/'] },
      to: { path: '^src/container\\.ts$' },
    },
    {
      name: 'wiring-is-the-containers',
      comment: 'src/wiring/ holds the parts of the composition root: only the container (and the wiring itself) imports it.',
      severity: 'error',
      from: { pathNot: ['^src/container\\.ts$', '^src/wiring/'] },
      to: { path: '^src/wiring/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
    moduleSystems: ['es6', 'cjs'],
  },
};
