import { createApp } from '../app';
import { configOrExit } from '../bootstrap';

/**
 * `npm run retention -w server -- [--dry-run]`: one retention run now (the same as the daily
 * job), printing the counts as JSON. With --dry-run nothing is deleted; the audit log records the
 * dry run too.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--dry-run');
  if (unknown.length) throw new Error(`unknown argument ${unknown[0]}: use --dry-run or nothing`);
  const instance = createApp(configOrExit());
  try {
    const report = await instance.retention.service.run({ dryRun: args.includes('--dry-run') });
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await instance.close();
  }
}

main().catch((err: unknown) => {
  console.error(`retention: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
