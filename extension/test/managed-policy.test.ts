/**
 * The Windows deployment script (scripts/install-extension-policy.ps1) against the source of truth
 * the Linux policy of the browser test comes from (src/shared/managed-policy.ts). PowerShell cannot
 * run here, so the script's policy lines are evaluated with given parameters (its variables
 * expanded as PowerShell does in double quotes) and compared with what the Linux file says.
 */
import { readFileSync } from 'node:fs';
import { POLICY_SCRIPT } from '../tools/write-policy-script';
import {
  CHROME_WEB_STORE_UPDATE_URL,
  EDGE_ADDONS_UPDATE_URL,
  linuxPolicy,
  managedSchema,
  MANAGED_KEYS,
  powershellScript,
  registryWrites,
  type Deployment,
  type RegistryWrite,
} from '../src/shared/managed-policy';

const script = readFileSync(POLICY_SCRIPT, 'utf8');

/** The script's param() defaults and the value of each parameter for one run. */
function parameters(given: Record<string, string>): Record<string, string> {
  const params = /param\(([\s\S]*?)\n\)/.exec(script)?.[1] ?? '';
  const out: Record<string, string> = {};
  for (const m of params.matchAll(/\[string\] \$(\w+)(?: = '([^']*)')?/g)) {
    const value = given[m[1]!] ?? m[2];
    if (value === undefined) throw new Error(`mandatory parameter -${m[1]} not given`);
    out[m[1]!] = value;
  }
  return out;
}

/** PowerShell's expansion of `$Name` in double-quoted strings and bare `$Name` arguments. */
function expand(arg: string, vars: Record<string, string>): string {
  if (arg.startsWith("'")) return arg.slice(1, -1);
  const body = arg.startsWith('"') ? arg.slice(1, -1) : arg;
  return body.replace(/\$(\w+)/g, (_, name: string) => {
    if (!(name in vars)) throw new Error(`undefined variable $${name}`);
    return vars[name]!;
  });
}

/** The registry values the script writes, evaluated from its top-level policy lines. */
function evaluate(given: Record<string, string>): RegistryWrite[] {
  const vars = parameters(given);
  const arg = `('[^']*'|"[^"]*"|\\$\\w+)`;
  const writes: RegistryWrite[] = [];
  for (const line of script.split('\n')) {
    const force = new RegExp(`^Add-ForceInstall ${arg} ${arg}$`).exec(line);
    if (force)
      writes.push({ key: expand(force[1]!, vars), name: null, value: expand(force[2]!, vars) });
    const set = new RegExp(`^Set-Policy ${arg} ${arg} ${arg}$`).exec(line);
    if (set)
      writes.push({
        key: expand(set[1]!, vars),
        name: expand(set[2]!, vars),
        value: expand(set[3]!, vars),
      });
  }
  return writes;
}

const chrome: Deployment = {
  extensionId: 'abcdefghijklmnopabcdefghijklmnop',
  updateUrl: CHROME_WEB_STORE_UPDATE_URL,
  settings: {
    serverUrl: 'https://helpdesk.example.com',
    pbxUrl: 'https://company.3cx.eu:5001/webclient/',
  },
};
const edge: Deployment = {
  ...chrome,
  extensionId: 'ponmlkjihgfedcbaponmlkjihgfedcba',
  updateUrl: EDGE_ADDONS_UPDATE_URL,
};
const run = {
  ChromeExtensionId: chrome.extensionId,
  EdgeExtensionId: edge.extensionId,
  ServerUrl: chrome.settings.serverUrl,
  PbxUrl: chrome.settings.pbxUrl,
};

describe('the Windows policy script', () => {
  it('is the one generated from the source of truth (npm run policy-script -w extension)', () => {
    expect(script).toBe(powershellScript());
  });

  it('writes, for Chrome and Edge, the force-install entry and the managed settings', () => {
    expect(evaluate(run)).toEqual([
      ...registryWrites('Chrome', chrome),
      ...registryWrites('Edge', edge),
    ]);
    expect(evaluate(run)[1]).toEqual({
      key: 'HKLM:\\SOFTWARE\\Policies\\Google\\Chrome\\3rdparty\\extensions\\abcdefghijklmnopabcdefghijklmnop\\policy',
      name: 'serverUrl',
      value: 'https://helpdesk.example.com',
    });
  });

  it('writes what the Linux policy file says, value for value', () => {
    const linux = linuxPolicy(chrome) as {
      ExtensionInstallForcelist: string[];
      '3rdparty': { extensions: Record<string, Record<string, string>> };
    };
    const writes = evaluate(run).filter((w) => w.key.includes('\\Google\\Chrome\\'));
    expect(writes.filter((w) => w.name === null).map((w) => w.value)).toEqual(
      linux.ExtensionInstallForcelist,
    );
    expect(
      Object.fromEntries(writes.filter((w) => w.name !== null).map((w) => [w.name, w.value])),
    ).toEqual(linux['3rdparty'].extensions[chrome.extensionId]);
    // Every managed key the extension's schema declares is set on both sides.
    const schemaKeys = Object.keys((managedSchema() as { properties: object }).properties);
    expect(schemaKeys).toEqual(Object.keys(MANAGED_KEYS));
    expect(Object.keys(linux['3rdparty'].extensions[chrome.extensionId]!)).toEqual(schemaKeys);
  });

  it('refuses what is not an extension id or a URL, and needs every setting', () => {
    expect(script).toContain("[ValidatePattern('^[a-p]{32}$')] [string] $ChromeExtensionId");
    expect(script).toContain("[ValidatePattern('^https?://')] [string] $ServerUrl");
    expect(() => evaluate({ ...run, PbxUrl: undefined as unknown as string })).toThrow(
      'mandatory parameter -PbxUrl not given',
    );
    expect(() => linuxPolicy({ ...chrome, extensionId: 'not-an-id' })).toThrow(
      'not an extension id',
    );
  });

  it('is plain ASCII (Windows PowerShell 5.1 reads a file without BOM as ANSI)', () => {
    expect([...script].filter((c) => !'\t\n\r'.includes(c) && (c < ' ' || c > '~'))).toEqual([]);
  });
});
