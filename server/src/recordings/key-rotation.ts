import { Op } from 'sequelize';
import type { AuditLog } from '../audit/audit';
import type { Models } from '../db/models';
import type { EncryptedAudioStore, Keyring, RotationReport } from '../storage';

/**
 * Rewraps every stored recording's data key to the current master key (header only, no audio
 * rewritten; see storage/DESIGN.md) and records the new key id on the rows. Run after putting the
 * new key in `MASTER_KEY` and the old one in `MASTER_KEYS_PREVIOUS`; re-running is safe.
 */
export async function rotateRecordingKeys(
  deps: { models: Models; store: EncryptedAudioStore; keyring: Keyring; audit: AuditLog },
  options: { dryRun?: boolean } = {},
): Promise<RotationReport & { keyId: string }> {
  const keyId = deps.keyring.current.id;
  const rows = await deps.models.Recording.findAll({
    attributes: ['id'],
    where: { purgedAt: null },
    order: [['createdAt', 'ASC']],
  });
  const ids = rows.map((r) => r.id);
  const report = await deps.store.rotateKeys({ ids, dryRun: options.dryRun ?? false });
  if (!options.dryRun) {
    const failed = new Set(report.failed.map((f) => f.id));
    const done = ids.filter((id) => !failed.has(id));
    if (done.length) {
      await deps.models.Recording.update(
        { keyId },
        { where: { id: { [Op.in]: done }, keyId: { [Op.ne]: keyId } } },
      );
    }
    await deps.audit.write({
      action: 'recording.keys.rotate',
      targetType: 'recording',
      details: {
        keyId,
        rewrapped: report.rewrapped,
        alreadyCurrent: report.alreadyCurrent,
        failed: report.failed.length,
      },
    });
  }
  return { ...report, keyId };
}
