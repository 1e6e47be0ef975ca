import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The import-boundary rule of eslint.config.mjs, run by the real ESLint with the repository's
 * config on made-up files (lintText: nothing is written). ESLint runs in a child process: it loads
 * its config as an ES module, which jest's module system does not.
 */
const root = join(__dirname, '..', '..');

interface Case {
  file: string;
  code: string;
}

function lint(cases: Case[]): string[][] {
  const script = `
    const { ESLint } = require('eslint');
    const cases = JSON.parse(process.argv[1]);
    (async () => {
      const eslint = new ESLint({ cwd: ${JSON.stringify(root)} });
      const out = [];
      for (const c of cases) {
        const [r] = await eslint.lintText(c.code, { filePath: c.file });
        out.push(r.messages.filter((m) => m.ruleId === 'boundaries/imports' || m.fatal).map((m) => m.message));
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const stdout = execFileSync(process.execPath, ['-e', script, JSON.stringify(cases)], {
    cwd: root,
    encoding: 'utf8',
  });
  return JSON.parse(stdout) as string[][];
}

// The package names one package may import from another (packageEntries).
const entries =
  '@cwn/protocol, @cwn/ninjaone-sim, @cwn/fake-3cx, @cwn/whisper-api-sim, @cwn/test-support/*';

it('lets packages meet through their package names only, and keeps the server layers in order', () => {
  const [
    newTest,
    listed,
    listedOther,
    protocolToServer,
    protocolToPackage,
    storageToFeature,
    storageToShared,
    otherEntry,
    dynamicAndRequire,
    vueFile,
    within,
    simulatorByPath,
    simulatorByName,
    kitByName,
    kitReachesIn,
  ] = lint([
    {
      file: 'pwa/test/new-thing.test.ts',
      code: "import { leftBehind } from '../../server/test/support/handles';\nvoid leftBehind;\n",
    },
    {
      file: 'server/src/http/authenticate.ts',
      code: "import { verifyAccessToken } from '../auth/tokens';\nvoid verifyAccessToken;\n",
    },
    {
      file: 'server/src/http/authenticate.ts',
      code: "import type { CallsService } from '../calls/calls.service';\nexport type X = CallsService;\n",
    },
    {
      file: 'protocol/src/new.ts',
      code: "export { loadConfig } from '../../server/src/config';\n",
    },
    { file: 'protocol/src/new.ts', code: "export * from '@cwn/protocol';\n" },
    {
      file: 'server/src/storage/new.ts',
      code: "import type { CallsService } from '../calls/calls.service';\nexport type X = CallsService;\n",
    },
    {
      file: 'server/src/storage/new.ts',
      code: "import type { Logger } from '../logger';\nimport { HttpError } from '../http/errors';\nexport type X = Logger;\nvoid HttpError;\n",
    },
    {
      file: 'extension/src/new.ts',
      code: "import { x } from '@cwn/server';\nvoid x;\n",
    },
    {
      file: 'scripts/src/new.ts',
      code: "void import('../../worker-gpu/src/worker');\nrequire('../../e2e/test/flow.test');\n",
    },
    {
      file: 'nuxt-dashboard/app/components/NewThing.vue',
      code: '<script setup lang="ts">\nimport { loadConfig } from \'../../../server/src/config\';\nvoid loadConfig;\n</script>\n<template><div /></template>\n',
    },
    {
      file: 'server/test/new.test.ts',
      code: "import { createApp } from '../src/app';\nimport { Id } from '@cwn/protocol';\nvoid createApp;\nvoid Id;\n",
    },
    {
      file: 'extension/test/new.test.ts',
      code: "import { startFake3cx } from '../../simulators/fake-3cx/src/server';\nvoid startFake3cx;\n",
    },
    {
      file: 'server/test/new.test.ts',
      code: "import { startFake3cx } from '@cwn/fake-3cx';\nimport { createNinjaOneSim } from '@cwn/ninjaone-sim';\nvoid startFake3cx;\nvoid createNinjaOneSim;\n",
    },
    {
      file: 'pwa/test/new-thing.test.ts',
      code: "import { startTestApp } from '@cwn/test-support/app';\nvoid startTestApp;\n",
    },
    {
      file: 'test-support/src/new.ts',
      code: "import { createApp } from '../../server/src/app';\nvoid createApp;\n",
    },
  ]);
  expect(newTest).toEqual([
    `pwa/test/new-thing.test imports server/test/support/handles from the server package by path: packages share code only through their package name (${entries})`,
  ]);
  expect(listed).toEqual([]);
  expect(listedOther).toEqual([
    'server/src/http is a lower layer: it may not import server/src/calls ("../calls/calls.service")',
  ]);
  expect(protocolToServer).toEqual([
    'protocol imports no other package ("../../server/src/config")',
  ]);
  expect(protocolToPackage).toEqual(['protocol imports no other package ("@cwn/protocol")']);
  expect(storageToFeature).toEqual([
    'server/src/storage is a lower layer: it may not import server/src/calls ("../calls/calls.service")',
  ]);
  expect(storageToShared).toEqual([]);
  expect(otherEntry).toEqual([
    `"@cwn/server" is not a package entry that may be imported (${entries})`,
  ]);
  expect(dynamicAndRequire).toEqual([
    expect.stringContaining('imports worker-gpu/src/worker from the worker-gpu package'),
    expect.stringContaining('imports e2e/test/flow.test from the e2e package'),
  ]);
  expect(vueFile).toEqual([expect.stringContaining('imports server/src/config from the server')]);
  expect(within).toEqual([]);
  expect(simulatorByPath).toEqual([
    expect.stringContaining(
      'imports simulators/fake-3cx/src/server from the simulators package by path',
    ),
  ]);
  expect(simulatorByName).toEqual([]);
  expect(kitByName).toEqual([]);
  expect(kitReachesIn).toEqual([]);
}, 60_000);
