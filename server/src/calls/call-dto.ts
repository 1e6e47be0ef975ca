import type { Call, Recording } from '@cwn/protocol';
import type { CallModel, RecordingModel } from '../db/models';

export function toCallDto(c: CallModel): Call {
  return {
    id: c.id,
    agentId: c.agentId,
    direction: c.direction,
    remoteNumber: c.remoteNumber,
    remoteName: c.remoteName,
    pbxCallId: c.pbxCallId,
    startedAt: c.startedAt.toISOString(),
    answeredAt: c.answeredAt?.toISOString() ?? null,
    endedAt: c.endedAt?.toISOString() ?? null,
    status: c.status,
    failureReason: c.failureReason ?? null,
  };
}

export function toRecordingDto(r: RecordingModel): Recording {
  return {
    id: r.id,
    callId: r.callId,
    channels: r.channels,
    sampleRate: 16000,
    durationMs: r.durationMs,
    sizeBytes: Number(r.sizeBytes),
    sha256: r.sha256,
    createdAt: r.createdAt.toISOString(),
    purgedAt: r.purgedAt?.toISOString() ?? null,
  };
}
