/**
 * Encodes the MyPhone push frames the 3CX web client receives on `/ws/webclient`: a protobuf
 * `GenericMessage` whose field 1 is the message id and whose payload sits in the field of the same
 * number. Only what the extension reads is produced: `MyExtensionInfo` (201) with its
 * `LocalConnections` (field 18) of `LocalConnection` items (the field numbers the extension's
 * reader, extension/src/shared/myphone.ts, expects).
 */

export const MESSAGE_ID_MY_EXTENSION_INFO = 201;
export const LOCAL_CONNECTIONS_FIELD = 18;

/** 3CX ActionType. */
export const Action = { FullUpdate: 1, Inserted: 2, Updated: 3, Deleted: 4 } as const;
/** LocalConnection state. */
export const ConnectionState = { Ringing: 1, Dialing: 2, Connected: 3 } as const;

export interface LocalConnectionFrame {
  action: number;
  connectionId: number;
  callId: number;
  state: number;
  otherPartyName: string;
  otherPartyCallerId: string;
  isIncoming: boolean;
  otherPartyDn: string;
}

class Writer {
  private readonly parts: Buffer[] = [];

  private varint(value: number): void {
    const bytes: number[] = [];
    let v = value;
    while (v > 0x7f) {
      bytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
    this.parts.push(Buffer.from(bytes));
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  uint(field: number, value: number): this {
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  bytes(field: number, value: Buffer): this {
    this.tag(field, 2);
    this.varint(value.length);
    this.parts.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export function encodeLocalConnection(c: LocalConnectionFrame): Buffer {
  return new Writer()
    .uint(1, c.action)
    .uint(2, c.connectionId)
    .uint(3, c.callId)
    .uint(5, c.state)
    .string(10, c.otherPartyName)
    .string(11, c.otherPartyCallerId)
    .uint(12, c.isIncoming ? 1 : 0)
    .string(22, c.otherPartyDn)
    .finish();
}

/** A `GenericMessage` carrying `MyExtensionInfo` with one `LocalConnections` update. */
export function myExtensionInfoFrame(
  items: LocalConnectionFrame[],
  listAction: number = Action.Updated,
): Buffer {
  const connections = new Writer().uint(1, listAction);
  for (const item of items) connections.bytes(2, encodeLocalConnection(item));
  const info = new Writer()
    .string(1, 'fake-3cx')
    .bytes(LOCAL_CONNECTIONS_FIELD, connections.finish())
    .finish();
  return new Writer()
    .uint(1, MESSAGE_ID_MY_EXTENSION_INFO)
    .bytes(MESSAGE_ID_MY_EXTENSION_INFO, info)
    .finish();
}
