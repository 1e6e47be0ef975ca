import { DataTypes, type QueryInterface } from 'sequelize';

/**
 * The Whisper settings each transcript was made with (engine, model, language, the whole prompt,
 * voice detection, temperature fallback, a model asked for that the worker lacked), as the worker
 * reported them: null for transcripts made before (decision 1611); and each live window's.
 */
export const name = '0011-transcript-settings';

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addColumn('transcripts', 'settings', { type: DataTypes.JSONB, allowNull: true });
  // a live call's windows each report theirs; the call's transcript takes the latest window's
  await qi.addColumn('live_windows', 'settings', { type: DataTypes.JSONB, allowNull: true });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.removeColumn('live_windows', 'settings');
  await qi.removeColumn('transcripts', 'settings');
}
