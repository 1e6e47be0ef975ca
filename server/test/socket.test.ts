import { io as connect, type Socket } from 'socket.io-client';
import {
  serverEventSchemas,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@cwn/protocol';
import { signAccessToken } from '../src/auth/tokens';
import { startTestApp, type TestApp } from '@cwn/test-support/app';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
let t: TestApp;
const open: ClientSocket[] = [];

beforeAll(async () => {
  t = await startTestApp();
});
afterEach(() => {
  while (open.length) open.pop()!.disconnect();
});
afterAll(async () => {
  await t.close();
});

function dial(token?: string): ClientSocket {
  const s: ClientSocket = connect(t.url(), {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    reconnection: false,
  });
  open.push(s);
  return s;
}

function outcome(s: ClientSocket): Promise<'connected' | string> {
  return new Promise((resolve) => {
    s.once('connect', () => resolve('connected'));
    s.once('connect_error', (err) => resolve(err.message));
  });
}

describe('Socket.IO handshake', () => {
  it('refuses a connection without a token', async () => {
    expect(await outcome(dial())).toBe('unauthorized: auth.token is required');
  });

  it('refuses an expired token and a forged one', async () => {
    const pair = await t.userWithRole('agent');
    const expired = signAccessToken(
      t.config.jwtSecret,
      pair.user,
      60,
      new Date(Date.now() - 3_600_000),
    );
    expect(await outcome(dial(expired.token))).toBe('token_expired');
    const forged = signAccessToken('z'.repeat(40), pair.user, 60);
    expect(await outcome(dial(forged.token))).toBe('unauthorized');
  });

  it('accepts a valid token and joins the user and role rooms', async () => {
    const agent = await t.userWithRole('agent');
    const supervisor = await t.userWithRole('supervisor');
    const a = dial(agent.accessToken);
    const s = dial(supervisor.accessToken);
    expect(await outcome(a)).toBe('connected');
    expect(await outcome(s)).toBe('connected');

    // The agent announces being on a call; supervisors receive it, validated by the protocol.
    const received = new Promise((resolve) => s.once('agent.presence', resolve));
    const ack = await a.emitWithAck('agent.presence', { state: 'on_call', callId: null });
    expect(ack).toEqual({ ok: true });
    const event = serverEventSchemas['agent.presence'].parse(await received);
    expect(event).toMatchObject({ agentId: agent.user.id, state: 'on_call' });

    // Room emits from the server reach only that user.
    const other = dial((await t.userWithRole('agent')).accessToken);
    expect(await outcome(other)).toBe('connected');
    let otherGot = false;
    other.on('ticket.failed', () => (otherGot = true));
    const mine = new Promise((resolve) => a.once('ticket.failed', resolve));
    t.io.to(`user:${agent.user.id}`).emit('ticket.failed', {
      callId: '00000000-0000-4000-8000-000000000001',
      transcriptId: '00000000-0000-4000-8000-000000000002',
      ticketId: null,
      message: 'x',
    });
    await mine;
    await new Promise((r) => setTimeout(r, 100));
    expect(otherGot).toBe(false);
  });

  it('answers an invalid client event with a validation error', async () => {
    const agent = await t.userWithRole('agent');
    const a = dial(agent.accessToken);
    await outcome(a);
    const ack = await a.emitWithAck('agent.presence', { state: 'dancing', callId: null } as never);
    expect(ack).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  });
});
