import { createApp } from '../app';
import { configOrExit } from '../bootstrap';
import { rotateRecordingKeys } from '../recordings/key-rotation';

/**
 * `npm run rotate-master-key -w server -- [--dry-run]`: with the new key in MASTER_KEY and the old
 * one(s) in MASTER_KEYS_PREVIOUS, rewrap every recording's data key to the new key (no audio is
 * rewritten). Prints the counts; exits 1 if any file failed. Then drop the old key.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--dry-run');
  if (unknown.length) throw new Error(`unknown argument ${unknown[0]}: use --dry-run or nothing`);
  const config = configOrExit();
  const instance = createApp(config);
  try {
    const report = await rotateRecordingKeys(
      {
        models: instance.models,
        store: await instance.recordings.store(),
        keyring: config.keyring,
        audit: instance.services.audit,
      },
      { dryRun: args.includes('--dry-run') },
    );
    console.log(JSON.stringify(report, null, 2));
    if (report.failed.length) process.exitCode = 1;
  } finally {
    await instance.close();
  }
}

main().catch((err: unknown) => {
  console.error(`rotate-master-key: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
