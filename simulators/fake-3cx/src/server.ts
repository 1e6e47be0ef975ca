/**
 * A faithful fake of the 3CX V20 web client, for tests and the demo: the `/webclient/#/...` page
 * (agent side: getUserMedia + RTCPeerConnection), the far end as a real RTCPeerConnection in a
 * cross-origin iframe (`localhost` vs `127.0.0.1`) playing a tone, the MyPhone session endpoint and
 * the receive-only push WebSocket `/ws/webclient?sessionId&pass` (`START`, `ADDP` keep-alives,
 * protobuf `GenericMessage` 201 frames). Tests drive the PBX side over `/control/*`.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import {
  Action,
  ConnectionState,
  myExtensionInfoFrame,
  type LocalConnectionFrame,
} from './myphone-frames';

export interface Fake3cxOptions {
  host?: string;
  port?: number;
  /** The logged-in extension number written to `localStorage['wc.provision']`. */
  extension?: string;
  /** Milliseconds between `ADDP` keep-alives. */
  keepAliveMs?: number;
  /** Frequency of the caller's tone in Hz. */
  callerToneHz?: number;
  /** A WAV the caller plays in a loop instead of the tone (e.g. speech made with espeak-ng). */
  callerAudioFile?: string;
}

export interface FakeCall {
  connectionId: number;
  callId: number;
  number: string;
  name: string;
  direction: 'inbound' | 'outbound';
  state: 'ringing' | 'dialing' | 'connected' | 'held' | 'ended';
}

export interface Fake3cx {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The web client's page, e.g. `http://127.0.0.1:<port>/webclient/#/people`. */
  webClientUrl: string;
  calls(): FakeCall[];
  placeInboundCall(number: string, name: string): FakeCall;
  placeOutboundCall(number: string, name: string): FakeCall;
  remoteHangUp(connectionId: number): void;
  close(): Promise<void>;
}

const PlaceCallBody = z.object({
  number: z.string().min(1).max(40),
  name: z.string().max(100).default(''),
  direction: z.enum(['inbound', 'outbound']).default('inbound'),
});

/** The fake page reports the agent's clicks as JSON (the real client sends protobuf requests). */
const AgentRequest = z.object({
  action: z.enum(['answer', 'hold', 'resume', 'hangup']),
  connectionId: z.number().int(),
});

// The pages sit in the package's public/, beside both src/ (jest, tsx) and dist/ (node).
function publicDir(): string {
  return join(__dirname, '..', 'public');
}

export async function startFake3cx(options: Fake3cxOptions = {}): Promise<Fake3cx> {
  const host = options.host ?? '127.0.0.1';
  const extension = options.extension ?? '101';
  const sessions = new Map<string, string>();
  const sockets = new Set<WebSocket>();
  const calls = new Map<number, FakeCall>();
  let nextId = 1000;

  const toFrame = (call: FakeCall, action: number): LocalConnectionFrame => ({
    action,
    connectionId: call.connectionId,
    callId: call.callId,
    state:
      call.state === 'ringing'
        ? ConnectionState.Ringing
        : call.state === 'dialing'
          ? ConnectionState.Dialing
          : ConnectionState.Connected,
    otherPartyName: call.name,
    otherPartyCallerId: call.number,
    isIncoming: call.direction === 'inbound',
    otherPartyDn: call.number,
  });
  const push = (call: FakeCall, action: number) => {
    const frame = myExtensionInfoFrame([toFrame(call, action)]);
    for (const socket of sockets) socket.send(frame);
  };
  const end = (call: FakeCall) => {
    call.state = 'ended';
    push(call, Action.Deleted);
    calls.delete(call.connectionId);
  };
  const place = (number: string, name: string, direction: 'inbound' | 'outbound'): FakeCall => {
    const id = nextId++;
    const call: FakeCall = {
      connectionId: id,
      callId: id + 50000,
      number,
      name,
      direction,
      state: direction === 'inbound' ? 'ringing' : 'dialing',
    };
    calls.set(id, call);
    push(call, Action.Inserted);
    return call;
  };

  const app = express();
  app.use(express.json());
  app.get('/', (_req, res) => res.redirect('/webclient/#/people'));
  app.get('/webclient/', (_req, res) => res.sendFile(join(publicDir(), 'webclient.html')));
  app.get('/webclient/app.js', (_req, res) =>
    res.type('text/javascript').sendFile(join(publicDir(), 'webclient.js')),
  );
  app.get('/webclient/provision.json', (_req, res) =>
    res.json({ username: extension, domain: 'fake3cx.local' }),
  );
  app.get('/pbx.html', (_req, res) => res.sendFile(join(publicDir(), 'pbx.html')));
  app.get('/pbx.js', (req, res) => {
    res.type('text/javascript').sendFile(join(publicDir(), 'pbx.js'));
  });
  app.get('/pbx-config.json', (_req, res) =>
    res.json({
      toneHz: options.callerToneHz ?? 440,
      audioUrl: options.callerAudioFile ? '/caller.wav' : null,
    }),
  );
  app.get('/caller.wav', (_req, res) => {
    if (!options.callerAudioFile) {
      res.status(404).json({ error: 'no caller audio file configured' });
      return;
    }
    res.type('audio/wav').sendFile(options.callerAudioFile);
  });

  app.post('/webclient/api/MyPhone/session', (_req, res) => {
    const sessionKey = randomBytes(12).toString('hex');
    const pass = randomBytes(12).toString('hex');
    sessions.set(sessionKey, pass);
    res.json({ sessionKey, pass });
  });
  app.post('/MyPhone/MPWebService.asmx', (req, res) => {
    const parsed = AgentRequest.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'expected {action, connectionId}' });
      return;
    }
    const call = calls.get(parsed.data.connectionId);
    if (!call) {
      res.status(404).json({ error: `no connection ${parsed.data.connectionId}` });
      return;
    }
    const { action } = parsed.data;
    if (action === 'hangup') end(call);
    else {
      call.state = action === 'hold' ? 'held' : 'connected';
      push(call, Action.Updated);
    }
    res.type('application/octet-stream').send(Buffer.alloc(0));
  });

  app.get('/control/calls', (_req, res) => res.json([...calls.values()]));
  app.post('/control/calls', (req, res) => {
    const parsed = PlaceCallBody.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: parsed.error.issues[0]?.message ?? 'invalid body' });
      return;
    }
    const { number, name, direction } = parsed.data;
    res.status(201).json(place(number, name, direction));
  });
  app.post('/control/calls/:id/remote-hangup', (req, res) => {
    const call = calls.get(Number(req.params.id));
    if (!call) {
      res.status(404).json({ error: `no connection ${req.params.id}` });
      return;
    }
    end(call);
    res.status(204).end();
  });

  const server: Server = createServer(app);
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const sessionId = url.searchParams.get('sessionId') ?? '';
    if (
      url.pathname !== '/ws/webclient' ||
      sessions.get(sessionId) !== url.searchParams.get('pass')
    ) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.send('START');
      const keepAlive = setInterval(() => ws.send('ADDP'), options.keepAliveMs ?? 5000);
      ws.on('close', () => {
        clearInterval(keepAlive);
        sockets.delete(ws);
      });
    });
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host}:${port}`;
  return {
    origin,
    webClientUrl: `${origin}/webclient/#/people`,
    calls: () => [...calls.values()],
    placeInboundCall: (number, name) => place(number, name, 'inbound'),
    placeOutboundCall: (number, name) => place(number, name, 'outbound'),
    remoteHangUp(connectionId) {
      const call = calls.get(connectionId);
      if (call) end(call);
    },
    async close() {
      for (const socket of sockets) socket.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
