/**
 * Tolerant reader for the 3CX web client's MyPhone push frames (protobuf `GenericMessage`). Field
 * numbers come from public reverse engineering of the web client and may move between PBX
 * versions, so every read is defensive: unknown messages and fields are reported, never thrown.
 */

export const MESSAGE_ID_MY_EXTENSION_INFO = 201;
/** `MyExtensionInfo` fields that carry `LocalConnections`. */
const LOCAL_CONNECTIONS_FIELDS = new Set([18, 20]);

export const ConnectionAction = {
  NoUpdates: 0,
  FullUpdate: 1,
  Inserted: 2,
  Updated: 3,
  Deleted: 4,
} as const;
export const ConnectionState = { Ringing: 1, Dialing: 2, Connected: 3 } as const;

export interface ProtoField {
  field: number;
  wireType: 0 | 1 | 2 | 5;
  /** Varints as numbers (exact up to 2^53); fixed64/fixed32 and length-delimited as bytes. */
  value: number | Uint8Array;
}

export class ProtobufError extends Error {}

/** Reads one message level; throws ProtobufError on truncated or impossible input. */
export function readFields(bytes: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= bytes.length) throw new ProtobufError('truncated varint');
      const b = bytes[pos++] as number;
      result += (b & 0x7f) * multiplier;
      if (b < 0x80) return result;
      multiplier *= 128;
    }
    throw new ProtobufError('varint longer than 10 bytes');
  };
  const take = (length: number): Uint8Array => {
    if (pos + length > bytes.length) throw new ProtobufError('truncated field');
    const slice = bytes.subarray(pos, pos + length);
    pos += length;
    return slice;
  };
  while (pos < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (field === 0) throw new ProtobufError('field number 0');
    switch (wireType) {
      case 0:
        fields.push({ field, wireType, value: varint() });
        break;
      case 1:
        fields.push({ field, wireType, value: take(8) });
        break;
      case 2:
        fields.push({ field, wireType, value: take(varint()) });
        break;
      case 5:
        fields.push({ field, wireType, value: take(4) });
        break;
      default:
        throw new ProtobufError(`unsupported wire type ${wireType}`);
    }
  }
  return fields;
}

function lastNumber(fields: ProtoField[], n: number): number | undefined {
  for (let i = fields.length - 1; i >= 0; i--) {
    const f = fields[i] as ProtoField;
    if (f.field === n && f.wireType === 0) return f.value as number;
  }
  return undefined;
}

function lastBytes(fields: ProtoField[], n: number): Uint8Array | undefined {
  for (let i = fields.length - 1; i >= 0; i--) {
    const f = fields[i] as ProtoField;
    if (f.field === n && f.wireType === 2) return f.value as Uint8Array;
  }
  return undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
function lastString(fields: ProtoField[], n: number): string | null {
  const bytes = lastBytes(fields, n);
  return bytes ? utf8.decode(bytes) : null;
}

export interface LocalConnection {
  action: number;
  connectionId: number;
  callId: number | null;
  /** 1 ringing, 2 dialing, 3 connected; null when absent (e.g. on delete). */
  state: number | null;
  otherPartyName: string | null;
  otherPartyCallerId: string | null;
  isIncoming: boolean | null;
  otherPartyDn: string | null;
}

export type PushFrame =
  | { kind: 'connections'; listAction: number; items: LocalConnection[]; problems: string[] }
  | { kind: 'other'; messageId: number | null }
  | { kind: 'malformed'; reason: string };

function decodeLocalConnection(bytes: Uint8Array): LocalConnection | string {
  const f = readFields(bytes);
  const connectionId = lastNumber(f, 2);
  if (connectionId === undefined) return 'LocalConnection without id (field 2)';
  const incoming = lastNumber(f, 12);
  return {
    action: lastNumber(f, 1) ?? ConnectionAction.Updated,
    connectionId,
    callId: lastNumber(f, 3) ?? null,
    state: lastNumber(f, 5) ?? null,
    otherPartyName: lastString(f, 10),
    otherPartyCallerId: lastString(f, 11),
    isIncoming: incoming === undefined ? null : incoming !== 0,
    otherPartyDn: lastString(f, 22),
  };
}

/** Decodes one binary push frame. Text frames (`START`, `ADDP`) never reach this. */
export function decodePushFrame(bytes: Uint8Array): PushFrame {
  try {
    const message = readFields(bytes);
    const messageId = lastNumber(message, 1) ?? null;
    if (messageId !== MESSAGE_ID_MY_EXTENSION_INFO) return { kind: 'other', messageId };
    const info = lastBytes(message, MESSAGE_ID_MY_EXTENSION_INFO);
    if (!info) return { kind: 'malformed', reason: 'message 201 without its payload field' };
    const items: LocalConnection[] = [];
    const problems: string[] = [];
    let listAction: number = ConnectionAction.NoUpdates;
    for (const f of readFields(info)) {
      if (!LOCAL_CONNECTIONS_FIELDS.has(f.field) || f.wireType !== 2) continue;
      const list = readFields(f.value as Uint8Array);
      listAction = lastNumber(list, 1) ?? listAction;
      for (const entry of list) {
        if (entry.field !== 2 || entry.wireType !== 2) continue;
        try {
          const item = decodeLocalConnection(entry.value as Uint8Array);
          if (typeof item === 'string') problems.push(item);
          else items.push(item);
        } catch (err) {
          problems.push(`LocalConnection: ${(err as Error).message}`);
        }
      }
    }
    return { kind: 'connections', listAction, items, problems };
  } catch (err) {
    return { kind: 'malformed', reason: (err as Error).message };
  }
}
