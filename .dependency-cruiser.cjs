/**
 * Dependency rules of DESIGN.md §2, enforced by `npm run lint`.
 *   core imports nothing; infra -> core; oci, vulndb -> core, infra; analyzers -> core, infra;
 *   sbom, report, policy -> core; match -> core, vulndb; sign -> core, infra, oci;
 *   scan -> the engines; admission, server -> scan, sign, policy, report; cli -> anything; nothing imports cli.
 *   Other folders are entered only through their index.ts.
 */
const folders = ['core', 'infra', 'oci', 'vulndb', 'analyzers', 'sbom', 'report', 'policy', 'match', 'sign', 'scan', 'admission', 'server', 'cli'];
const allowed = {
  core: [],
  infra: ['core'],
  oci: ['core', 'infra'],
  vulndb: ['core', 'infra'],
  analyzers: ['core', 'infra'],
  sbom: ['core'],
  report: ['core'],
  policy: ['core'],
  match: ['core', 'vulndb'],
  sign: ['core', 'infra', 'oci'],
  scan: ['core', 'infra', 'oci', 'vulndb', 'analyzers', 'sbom', 'report', 'match', 'sign', 'policy'],
  admission: ['core', 'infra', 'scan', 'sign', 'policy', 'report', 'oci'],
  server: ['core', 'infra', 'scan', 'sign', 'policy', 'report', 'admission', 'oci'],
  cli: folders,
};

const forbidden = [];
for (const from of folders) {
  const others = folders.filter((f) => f !== from && !allowed[from].includes(f));
  if (others.length === 0) continue;
  forbidden.push({
    name: `layering-${from}`,
    comment: `src/${from} may import only: ${allowed[from].join(', ') || '(nothing)'}`,
    severity: 'error',
    from: { path: `^src/${from}/`, pathNot: '\\.test\\.ts$' },
    to: { path: `^src/(${others.join('|')})/` },
  });
}
forbidden.push({
  name: 'enter-through-index',
  comment: 'Another domain folder is imported only through its index.ts',
  severity: 'error',
  from: { path: '^src/([^/]+)/', pathNot: '\\.test\\.ts$' },
  to: { path: '^src/([^/]+)/.+', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
});
forbidden.push({
  name: 'no-circular',
  severity: 'error',
  from: {},
  to: { circular: true },
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
