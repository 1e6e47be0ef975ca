import { encodeLocalConnection, myExtensionInfoFrame } from '@cwn/fake-3cx';
import { ConnectionAction, ConnectionState, decodePushFrame, readFields } from './myphone';

/** Hand-built protobuf bytes, independent of the fake's encoder. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const uint = (field: number, v: number) => [...varint(field * 8), ...varint(v)];
const bytes = (field: number, b: number[]) => [...varint(field * 8 + 2), ...varint(b.length), ...b];
const str = (field: number, s: string) => bytes(field, [...Buffer.from(s, 'utf8')]);

describe('readFields', () => {
  it('reads varints (multi-byte too), length-delimited, fixed32 and fixed64 fields', () => {
    const msg = new Uint8Array([
      ...uint(1, 300),
      ...str(2, 'hi'),
      0x1d,
      1,
      2,
      3,
      4,
      0x21,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
    ]);
    const fields = readFields(msg);
    expect(fields.map((f) => [f.field, f.wireType])).toEqual([
      [1, 0],
      [2, 2],
      [3, 5],
      [4, 1],
    ]);
    expect(fields[0]!.value).toBe(300);
    expect(Buffer.from(fields[1]!.value as Uint8Array).toString()).toBe('hi');
  });

  it('throws on truncated input and on group wire types', () => {
    expect(() => readFields(new Uint8Array([0x08]))).toThrow('truncated varint');
    expect(() => readFields(new Uint8Array([0x12, 5, 1]))).toThrow('truncated field');
    expect(() => readFields(new Uint8Array([0x0b]))).toThrow('unsupported wire type 3');
  });
});

describe('decodePushFrame', () => {
  const connection = [
    ...uint(1, ConnectionAction.Inserted),
    ...uint(2, 77),
    ...uint(3, 9001),
    ...uint(5, ConnectionState.Ringing),
    ...str(10, 'Zoë Müller'),
    ...str(11, '+41 44 555 00 00'),
    ...uint(12, 1),
    ...str(22, '0445550000'),
    ...uint(99, 5), // a field this version does not know
  ];
  const frame = (infoField: number) =>
    new Uint8Array([
      ...uint(1, 201),
      ...bytes(201, [
        ...str(1, 'x'),
        ...bytes(infoField, [...uint(1, 3), ...bytes(2, connection)]),
      ]),
    ]);

  it('decodes MyExtensionInfo → LocalConnections (field 18) into call events, ignoring unknown fields', () => {
    const decoded = decodePushFrame(frame(18));
    expect(decoded).toEqual({
      kind: 'connections',
      listAction: 3,
      problems: [],
      items: [
        {
          action: ConnectionAction.Inserted,
          connectionId: 77,
          callId: 9001,
          state: ConnectionState.Ringing,
          otherPartyName: 'Zoë Müller',
          otherPartyCallerId: '+41 44 555 00 00',
          isIncoming: true,
          otherPartyDn: '0445550000',
        },
      ],
    });
  });

  it('reads the alternative field 20 as well', () => {
    const decoded = decodePushFrame(frame(20));
    expect(decoded.kind === 'connections' && decoded.items[0]?.connectionId).toBe(77);
  });

  it('reports other messages and malformed bytes instead of throwing', () => {
    expect(decodePushFrame(new Uint8Array([...uint(1, 119)]))).toEqual({
      kind: 'other',
      messageId: 119,
    });
    expect(decodePushFrame(new Uint8Array([0xff]))).toEqual({
      kind: 'malformed',
      reason: 'truncated varint',
    });
    expect(decodePushFrame(new Uint8Array([...uint(1, 201)]))).toMatchObject({ kind: 'malformed' });
  });

  it('keeps the good items of a list and names the bad ones', () => {
    const noId = [...uint(1, 3), ...uint(5, 3)];
    const broken = [0x12, 9];
    const msg = new Uint8Array([
      ...uint(1, 201),
      ...bytes(201, bytes(18, [...bytes(2, connection), ...bytes(2, noId), ...bytes(2, broken)])),
    ]);
    const decoded = decodePushFrame(msg);
    expect(decoded.kind).toBe('connections');
    if (decoded.kind !== 'connections') return;
    expect(decoded.items).toHaveLength(1);
    expect(decoded.problems).toEqual([
      'LocalConnection without id (field 2)',
      'LocalConnection: truncated field',
    ]);
  });

  it('agrees with the fake 3CX encoder (a deleted connection)', () => {
    const connection = {
      action: 4,
      connectionId: 5,
      callId: 6,
      state: 3,
      otherPartyName: '',
      otherPartyCallerId: '100',
      isIncoming: false,
      otherPartyDn: '100',
    };
    const frameBytes = myExtensionInfoFrame([connection]);
    const decoded = decodePushFrame(new Uint8Array(frameBytes));
    expect(decoded).toMatchObject({
      kind: 'connections',
      items: [{ action: 4, connectionId: 5, isIncoming: false }],
    });
    // The fake writes the LocalConnection fields the decoder reads, byte for byte.
    expect([...encodeLocalConnection(connection)]).toEqual([
      ...uint(1, 4),
      ...uint(2, 5),
      ...uint(3, 6),
      ...uint(5, 3),
      ...str(10, ''),
      ...str(11, '100'),
      ...uint(12, 0),
      ...str(22, '100'),
    ]);
  });
});
