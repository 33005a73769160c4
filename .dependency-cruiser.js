/**
 * The layers of shared/DESIGN.md as rules; `npm run lint:deps` (part of `npm test`) fails on a wrong-way import.
 * Type-only imports count (tsPreCompilationDeps): a type from the wrong layer couples as much as a value.
 *
 * Decision: src/store may import botbuilder-core — the Bot Framework `Storage` interface is the state contract the
 * design chose ("botbuilder Storage backends"), and MemoryStorage is one of its backends. Services take the type
 * from src/store, never from the Bot Framework packages.
 */
const BOT_FRAMEWORK = '(^|/)node_modules/(botbuilder|botbuilder-core|@microsoft/teams-ai|restify|@types/restify)/';
const GRAPH_SDK = '(^|/)node_modules/@microsoft/microsoft-graph-client/';

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'domain/ imports nothing of ours but itself, and no package but zod, unhomoglyph (pure data: the Unicode confusables table) and safe-regex2 (a pure check of a pattern) (no I/O, no Teams, no Graph types).',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: ['^src/domain/', '(^|/)node_modules/zod/', '(^|/)node_modules/unhomoglyph/', '(^|/)node_modules/safe-regex2/', '(^|/)node_modules/ret/'] },
    },
    {
      name: 'bot-framework-only-in-teams',
      comment: 'Only src/teams, src/server.ts and src/index.ts import botbuilder, teams-ai or restify (src/store: botbuilder-core, see above).',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/teams/', '^src/server\\.ts$', '^src/index\\.ts$', '^src/store/'] },
      to: { path: BOT_FRAMEWORK },
    },
    {
      name: 'store-only-storage-interface',
      comment: 'src/store implements the botbuilder-core Storage interface; nothing else of the Bot Framework.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: BOT_FRAMEWORK, pathNot: '(^|/)node_modules/botbuilder-core/' },
    },
    {
      name: 'graph-sdk-only-in-graph',
      comment: 'Only src/graph imports the Microsoft Graph client.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/graph/' },
      to: { path: GRAPH_SDK },
    },
    {
      name: 'services-never-import-teams',
      severity: 'error',
      from: { path: '^src/services/' },
      to: { path: '^src/teams/' },
    },
    {
      name: 'teams-never-import-store-or-graph',
      comment: 'Routes call services; Graph shapes they render come through services/views.ts, audit types from domain.',
      severity: 'error',
      from: { path: '^src/teams/' },
      to: { path: '^src/(store|graph)/' },
    },
  ],
  options: {
    // Only our own code is checked; packages are leaves (their own imports are theirs).
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['types', 'typings', 'main'],
    },
  },
};
