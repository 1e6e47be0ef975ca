import { DataTypes, type QueryInterface } from 'sequelize';

/**
 * tickets: one row per transcript sent to NinjaOne, the idempotency record of the ticket job.
 * `state` is written before the create call ('creating') and the NinjaOne ticket id right after
 * it, so a retried job knows whether a ticket may already exist. transcript_id has no foreign key
 * on purpose: the row records that a NinjaOne ticket exists and outlives the transcript's
 * retention purge (0003).
 */
export const name = '0004-ninjaone-tickets';

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable('tickets', {
    id: { type: DataTypes.UUID, primaryKey: true },
    transcript_id: { type: DataTypes.UUID, allowNull: false, unique: true },
    call_id: {
      type: DataTypes.UUID,
      allowNull: false,
      references: { model: 'calls', key: 'id' },
      onDelete: 'RESTRICT',
    },
    requested_by: { type: DataTypes.UUID, allowNull: true },
    state: { type: DataTypes.STRING(16), allowNull: false },
    /** Written into the ticket (subject) so a crashed create can be found again. */
    external_ref: { type: DataTypes.STRING(32), allowNull: false, unique: true },
    organization_id: { type: DataTypes.INTEGER, allowNull: true },
    requester_uid: { type: DataTypes.STRING(64), allowNull: true },
    ninjaone_ticket_id: { type: DataTypes.INTEGER, allowNull: true },
    failure_reason: { type: DataTypes.TEXT, allowNull: true },
    attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    created_ticket_at: { type: DataTypes.DATE, allowNull: true },
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.sequelize.query(
    `ALTER TABLE tickets ADD CONSTRAINT tickets_state_check
       CHECK (state IN ('pending', 'creating', 'created', 'failed'))`,
  );
  await qi.sequelize.query(
    `ALTER TABLE tickets ADD CONSTRAINT tickets_created_has_id_check
       CHECK (state <> 'created' OR ninjaone_ticket_id IS NOT NULL)`,
  );
  await qi.addIndex('tickets', ['call_id']);
  await qi.addIndex('tickets', ['state', 'updated_at']);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable('tickets');
}
