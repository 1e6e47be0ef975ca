import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';
import type {
  AppliedWhisperSettings,
  CallDirection,
  CallStatus,
  Role,
  Segment,
  TicketState,
  TranscriptionTimings,
  TranscriptStatus,
} from '@cwn/protocol';

export class UserModel extends Model<
  InferAttributes<UserModel>,
  InferCreationAttributes<UserModel>
> {
  declare id: string;
  declare email: string;
  declare displayName: string;
  declare role: Role;
  declare extension: string | null;
  declare passwordHash: string;
  declare active: CreationOptional<boolean>;
  declare lastLoginAt: Date | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export class RefreshTokenModel extends Model<
  InferAttributes<RefreshTokenModel>,
  InferCreationAttributes<RefreshTokenModel>
> {
  declare id: string;
  declare userId: string;
  declare familyId: string;
  declare tokenHash: string;
  declare expiresAt: Date;
  declare usedAt: Date | null;
  declare revokedAt: Date | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export class SettingModel extends Model<
  InferAttributes<SettingModel>,
  InferCreationAttributes<SettingModel>
> {
  declare key: string;
  declare value: unknown;
  declare encrypted: CreationOptional<boolean>;
  declare updatedBy: string | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export class AuditLogModel extends Model<
  InferAttributes<AuditLogModel>,
  InferCreationAttributes<AuditLogModel>
> {
  declare id: CreationOptional<string>;
  declare at: Date;
  declare actorId: string | null;
  declare action: string;
  declare targetType: string | null;
  declare targetId: string | null;
  declare details: Record<string, unknown> | null;
  declare ip: string | null;
  declare requestId: string | null;
}

export class CallModel extends Model<
  InferAttributes<CallModel>,
  InferCreationAttributes<CallModel>
> {
  declare id: string;
  declare agentId: string;
  declare direction: CallDirection;
  declare remoteNumber: string | null;
  declare remoteName: string | null;
  declare pbxCallId: string | null;
  declare startedAt: Date;
  declare answeredAt: Date | null;
  declare endedAt: Date | null;
  declare status: CallStatus;
  /** Why processing gave up (status `failed`); null otherwise. */
  declare failureReason: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export class RecordingModel extends Model<
  InferAttributes<RecordingModel>,
  InferCreationAttributes<RecordingModel>
> {
  declare id: string;
  declare callId: string;
  declare agentId: string;
  declare channels: 1 | 2;
  declare sampleRate: number;
  declare durationMs: number;
  /** BIGINT: pg returns it as a string; read it through `Number()`. */
  declare sizeBytes: number | string;
  declare sha256: string;
  declare keyId: string;
  declare idempotencyKey: string;
  declare languageHint: string | null;
  declare createdAt: CreationOptional<Date>;
  declare purgedAt: Date | null;
}

export class TicketModel extends Model<
  InferAttributes<TicketModel>,
  InferCreationAttributes<TicketModel>
> {
  declare id: CreationOptional<string>;
  declare transcriptId: string;
  declare callId: string;
  declare requestedBy: string | null;
  declare state: TicketState;
  declare externalRef: string;
  declare organizationId: number | null;
  declare requesterUid: string | null;
  declare ninjaoneTicketId: number | null;
  declare failureReason: string | null;
  declare attempts: CreationOptional<number>;
  declare createdTicketAt: Date | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export class TranscriptModel extends Model<
  InferAttributes<TranscriptModel>,
  InferCreationAttributes<TranscriptModel>
> {
  declare id: string;
  declare callId: string;
  declare recordingId: string;
  declare language: string;
  declare segments: Segment[];
  declare model: string;
  declare engine: string;
  declare timings: TranscriptionTimings;
  declare settings: CreationOptional<AppliedWhisperSettings | null>;
  declare status: CreationOptional<TranscriptStatus>;
  declare version: CreationOptional<number>;
  declare validatedAt: CreationOptional<Date | null>;
  declare validatedBy: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export class TranscriptEditModel extends Model<
  InferAttributes<TranscriptEditModel>,
  InferCreationAttributes<TranscriptEditModel>
> {
  declare id: CreationOptional<string>;
  declare transcriptId: string;
  declare version: number;
  declare segmentsBefore: Segment[];
  declare segmentsAfter: Segment[];
  declare editedBy: string;
  declare at: Date;
}

export class UploadSessionModel extends Model<
  InferAttributes<UploadSessionModel>,
  InferCreationAttributes<UploadSessionModel>
> {
  declare id: string;
  declare agentId: string;
  declare idempotencyKey: string;
  declare metadata: Record<string, unknown>;
  /** BIGINT: pg returns it as a string; read it through `Number()`. */
  declare length: number | string;
  declare offset: number | string;
  declare stagedBytes: number | string;
  declare keyId: string;
  declare createdAt: CreationOptional<Date>;
  declare expiresAt: Date;
}

export interface Models {
  User: typeof UserModel;
  RefreshToken: typeof RefreshTokenModel;
  Setting: typeof SettingModel;
  AuditLog: typeof AuditLogModel;
  Call: typeof CallModel;
  Recording: typeof RecordingModel;
  Ticket: typeof TicketModel;
  Transcript: typeof TranscriptModel;
  TranscriptEdit: typeof TranscriptEditModel;
  UploadSession: typeof UploadSessionModel;
}

/**
 * Binds the model classes to one Sequelize instance. Each app instance (and each test) gets its
 * own subclasses so that two instances never share a connection by accident.
 */
export function defineModels(sequelize: Sequelize): Models {
  class User extends UserModel {}
  User.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
      email: { type: DataTypes.STRING(254), allowNull: false, unique: true },
      displayName: { type: DataTypes.STRING(120), allowNull: false },
      role: { type: DataTypes.STRING(16), allowNull: false },
      extension: { type: DataTypes.STRING(10), allowNull: true },
      passwordHash: { type: DataTypes.STRING(255), allowNull: false },
      active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      lastLoginAt: { type: DataTypes.DATE, allowNull: true },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'users', modelName: 'User' },
  );

  class RefreshToken extends RefreshTokenModel {}
  RefreshToken.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
      userId: { type: DataTypes.UUID, allowNull: false },
      familyId: { type: DataTypes.UUID, allowNull: false },
      tokenHash: { type: DataTypes.CHAR(64), allowNull: false },
      expiresAt: { type: DataTypes.DATE, allowNull: false },
      usedAt: { type: DataTypes.DATE, allowNull: true },
      revokedAt: { type: DataTypes.DATE, allowNull: true },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'refresh_tokens', modelName: 'RefreshToken' },
  );

  class Setting extends SettingModel {}
  Setting.init(
    {
      key: { type: DataTypes.STRING(100), primaryKey: true },
      value: { type: DataTypes.JSONB, allowNull: false },
      encrypted: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      updatedBy: { type: DataTypes.UUID, allowNull: true },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'settings', modelName: 'Setting' },
  );

  class AuditLog extends AuditLogModel {}
  AuditLog.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      at: { type: DataTypes.DATE, allowNull: false },
      actorId: { type: DataTypes.UUID, allowNull: true },
      action: { type: DataTypes.STRING(64), allowNull: false },
      targetType: { type: DataTypes.STRING(32), allowNull: true },
      targetId: { type: DataTypes.STRING(64), allowNull: true },
      details: { type: DataTypes.JSONB, allowNull: true },
      ip: { type: DataTypes.STRING(64), allowNull: true },
      requestId: { type: DataTypes.STRING(64), allowNull: true },
    },
    { sequelize, tableName: 'audit_log', modelName: 'AuditLog', timestamps: false },
  );

  class Call extends CallModel {}
  Call.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
      agentId: { type: DataTypes.UUID, allowNull: false },
      direction: { type: DataTypes.STRING(8), allowNull: false },
      remoteNumber: { type: DataTypes.STRING(40), allowNull: true },
      remoteName: { type: DataTypes.STRING(200), allowNull: true },
      pbxCallId: { type: DataTypes.STRING(128), allowNull: true },
      startedAt: { type: DataTypes.DATE, allowNull: false },
      answeredAt: { type: DataTypes.DATE, allowNull: true },
      endedAt: { type: DataTypes.DATE, allowNull: true },
      status: { type: DataTypes.STRING(16), allowNull: false },
      failureReason: { type: DataTypes.TEXT, allowNull: true },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'calls', modelName: 'Call' },
  );

  class Recording extends RecordingModel {}
  Recording.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
      callId: { type: DataTypes.UUID, allowNull: false },
      agentId: { type: DataTypes.UUID, allowNull: false },
      channels: { type: DataTypes.SMALLINT, allowNull: false },
      sampleRate: { type: DataTypes.INTEGER, allowNull: false },
      durationMs: { type: DataTypes.INTEGER, allowNull: false },
      sizeBytes: { type: DataTypes.BIGINT, allowNull: false },
      sha256: { type: DataTypes.CHAR(64), allowNull: false },
      keyId: { type: DataTypes.STRING(16), allowNull: false },
      idempotencyKey: { type: DataTypes.STRING(128), allowNull: false },
      languageHint: { type: DataTypes.STRING(8), allowNull: true },
      createdAt: DataTypes.DATE,
      purgedAt: { type: DataTypes.DATE, allowNull: true },
    },
    { sequelize, tableName: 'recordings', modelName: 'Recording', updatedAt: false },
  );

  class Ticket extends TicketModel {}
  Ticket.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
      transcriptId: { type: DataTypes.UUID, allowNull: false, unique: true },
      callId: { type: DataTypes.UUID, allowNull: false },
      requestedBy: { type: DataTypes.UUID, allowNull: true },
      state: { type: DataTypes.STRING(16), allowNull: false },
      externalRef: { type: DataTypes.STRING(32), allowNull: false, unique: true },
      organizationId: { type: DataTypes.INTEGER, allowNull: true },
      requesterUid: { type: DataTypes.STRING(64), allowNull: true },
      ninjaoneTicketId: { type: DataTypes.INTEGER, allowNull: true },
      failureReason: { type: DataTypes.TEXT, allowNull: true },
      attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      createdTicketAt: { type: DataTypes.DATE, allowNull: true },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'tickets', modelName: 'Ticket' },
  );

  class Transcript extends TranscriptModel {}
  Transcript.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
      callId: { type: DataTypes.UUID, allowNull: false },
      recordingId: { type: DataTypes.UUID, allowNull: false },
      language: { type: DataTypes.STRING(16), allowNull: false },
      segments: { type: DataTypes.JSONB, allowNull: false },
      model: { type: DataTypes.STRING(200), allowNull: false },
      engine: { type: DataTypes.STRING(100), allowNull: false },
      timings: { type: DataTypes.JSONB, allowNull: false },
      settings: { type: DataTypes.JSONB, allowNull: true },
      status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'draft' },
      version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
      validatedAt: { type: DataTypes.DATE, allowNull: true },
      validatedBy: { type: DataTypes.UUID, allowNull: true },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'transcripts', modelName: 'Transcript' },
  );

  class TranscriptEdit extends TranscriptEditModel {}
  TranscriptEdit.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      transcriptId: { type: DataTypes.UUID, allowNull: false },
      version: { type: DataTypes.INTEGER, allowNull: false },
      segmentsBefore: { type: DataTypes.JSONB, allowNull: false },
      segmentsAfter: { type: DataTypes.JSONB, allowNull: false },
      editedBy: { type: DataTypes.UUID, allowNull: false },
      at: { type: DataTypes.DATE, allowNull: false },
    },
    { sequelize, tableName: 'transcript_edits', modelName: 'TranscriptEdit', timestamps: false },
  );

  class UploadSession extends UploadSessionModel {}
  UploadSession.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      agentId: { type: DataTypes.UUID, allowNull: false },
      idempotencyKey: { type: DataTypes.STRING(128), allowNull: false },
      metadata: { type: DataTypes.JSONB, allowNull: false },
      length: { type: DataTypes.BIGINT, allowNull: false },
      offset: { type: DataTypes.BIGINT, allowNull: false },
      stagedBytes: { type: DataTypes.BIGINT, allowNull: false },
      keyId: { type: DataTypes.STRING(16), allowNull: false },
      createdAt: DataTypes.DATE,
      expiresAt: { type: DataTypes.DATE, allowNull: false },
    },
    { sequelize, tableName: 'upload_sessions', modelName: 'UploadSession', updatedAt: false },
  );

  return {
    User,
    RefreshToken,
    Setting,
    AuditLog,
    Call,
    Recording,
    UploadSession,
    Transcript,
    TranscriptEdit,
    Ticket,
  };
}
