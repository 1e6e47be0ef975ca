// Import boundaries, as an ESLint rule: `boundaries/imports`.
//  - protocol imports no other workspace package;
//  - no package imports another package's files (sources, tests, test kit) by path: packages
//    meet through their package name, and only the names in `packageEntries` may be imported
//    (`@cwn/x/*` admits every module of @cwn/x);
//  - except the test kit (`testKit`, the test-support workspace): it assembles the real server,
//    worker and builds for the other packages' tests, so it may import their files;
//  - the server's lower layers (`lowerLayers`: storage, audio, db, http) import no other folder of
//    server/src (the feature folders); the top-level files there (config, logger) are shared.
// Relative paths are resolved against the importing file, so `../../server/test/support/handles` is
// recognised wherever it is written. `exceptions` lists [importing file, imported module] pairs
// (paths from the repository root, without extension) that are let through.
import { dirname, relative, resolve, sep } from 'node:path';

const EXT = /\.(d\.ts|ts|tsx|mts|cts|js|mjs|cjs|vue)$/;

function moduleId(rel) {
  return rel
    .split(sep)
    .join('/')
    .replace(EXT, '')
    .replace(/\/index$/, '');
}

/** @type {import('eslint').Rule.RuleModule} */
const importsRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports stay within the boundaries of packages and server layers' },
    schema: [
      {
        type: 'object',
        properties: {
          root: { type: 'string' },
          packages: { type: 'array', items: { type: 'string' } },
          packageEntries: { type: 'array', items: { type: 'string' } },
          testKit: { type: 'string' },
          lowerLayers: { type: 'array', items: { type: 'string' } },
          exceptions: {
            type: 'array',
            items: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 },
          },
        },
        required: ['root', 'packages'],
        additionalProperties: false,
      },
    ],
    messages: {
      protocol: 'protocol imports no other package ("{{spec}}")',
      crossPackage:
        '{{from}} imports {{to}} from the {{pkg}} package by path: packages share code only through their package name ({{entries}})',
      entry: '"{{spec}}" is not a package entry that may be imported ({{entries}})',
      layer:
        'server/src/{{layer}} is a lower layer: it may not import server/src/{{upper}} ("{{spec}}")',
    },
  },
  create(context) {
    const o = context.options[0];
    const root = o.root;
    const packages = new Set(o.packages);
    const entries = o.packageEntries ?? [];
    const lower = new Set(o.lowerLayers ?? []);
    const allowed = new Set((o.exceptions ?? []).map(([from, to]) => `${from} -> ${to}`));
    const file = moduleId(relative(root, context.filename));
    const [pkg] = file.split('/');
    if (!packages.has(pkg)) return {};
    const serverLayer = file.startsWith('server/src/') ? file.split('/')[2] : null;

    function check(node, spec) {
      if (typeof spec !== 'string') return;
      const data = { spec, entries: entries.join(', ') || 'none' };
      if (spec.startsWith('@cwn/')) {
        if (pkg === 'protocol') return context.report({ node, messageId: 'protocol', data });
        const admitted = entries.some((e) =>
          e.endsWith('/*') ? spec.startsWith(e.slice(0, -1)) : spec === e,
        );
        if (!admitted) context.report({ node, messageId: 'entry', data });
        return;
      }
      if (!spec.startsWith('.')) return;
      const target = moduleId(relative(root, resolve(dirname(context.filename), spec)));
      const [targetPkg] = target.split('/');
      if (allowed.has(`${file} -> ${target}`)) return;
      if (packages.has(targetPkg) && targetPkg !== pkg && pkg !== o.testKit) {
        if (pkg === 'protocol') return context.report({ node, messageId: 'protocol', data });
        return context.report({
          node,
          messageId: 'crossPackage',
          data: { ...data, from: file, to: target, pkg: targetPkg },
        });
      }
      if (serverLayer && lower.has(serverLayer) && target.startsWith('server/src/')) {
        const parts = target.split('/');
        const upper = parts.length > 3 ? parts[2] : null; // a folder, not a top-level file
        if (upper && !lower.has(upper))
          context.report({
            node,
            messageId: 'layer',
            data: { ...data, layer: serverLayer, upper },
          });
      }
    }
    const literal = (n) => (n && n.type === 'Literal' ? n.value : undefined);
    return {
      ImportDeclaration: (n) => check(n, literal(n.source)),
      ExportNamedDeclaration: (n) => check(n, literal(n.source)),
      ExportAllDeclaration: (n) => check(n, literal(n.source)),
      ImportExpression: (n) => check(n, literal(n.source)),
      TSImportType: (n) => check(n, literal(n.argument?.literal ?? n.argument)),
      CallExpression: (n) => {
        if (n.callee.type === 'Identifier' && n.callee.name === 'require')
          check(n, literal(n.arguments[0]));
      },
    };
  },
};

export default { rules: { imports: importsRule } };
