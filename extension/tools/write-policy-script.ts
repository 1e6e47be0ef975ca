/**
 * Writes scripts/install-extension-policy.ps1 from src/shared/managed-policy.ts (the source the
 * Linux policy of the managed-policy test comes from). `npm run policy-script -w extension`;
 * test/managed-policy.test.ts fails when the committed script is not what this writes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { powershellScript } from '../src/shared/managed-policy';

export const POLICY_SCRIPT = join(__dirname, '../../scripts/install-extension-policy.ps1');

if (require.main === module) {
  writeFileSync(POLICY_SCRIPT, powershellScript());
  console.log(`written: ${POLICY_SCRIPT}`);
}
