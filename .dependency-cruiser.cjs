/**
 * The architecture's dependency rules (docs/architecture.md), checked by `npm run lint`.
 * A rule broken here is a design question first: change the rule only with the doc.
 */
module.exports = {
  forbidden: [
    {
      name: 'runs-not-to-issues',
      comment: 'Runs never import Issues: a run end touches issues through SQL in its own transaction or through src/locks.',
      severity: 'error',
      from: { path: '^src/runs/' },
      to: { path: '^src/issues/' },
    },
    {
      name: 'ownership-policy-is-pure',
      comment: 'The ownership policy is pure: no database, no Nest, no services. Types of entities are fine.',
      severity: 'error',
      from: { path: '^src/ownership/' },
      to: { path: '^src/(database|locks|runs|auth|audit|agents|companies|users|health)/|^src/issues/(?!issue\\.entity|issue-row)|@nestjs|typeorm', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'only-repositories-run-sql',
      comment: 'SQL runs only in *.repository.ts files (and the database infrastructure itself).',
      severity: 'error',
      from: { path: '^src/', pathNot: ['\\.repository\\.ts$', '^src/database/', '\\.spec\\.ts$'] },
      to: { path: '^src/database/sql\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'controllers-hold-no-sql',
      comment: 'Controllers call services; they never reach the database layer or a repository.',
      severity: 'error',
      from: { path: '\\.controller\\.ts$' },
      to: { path: '^src/database/|\\.repository\\.ts$|^typeorm' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'src-not-to-test-or-bench',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
