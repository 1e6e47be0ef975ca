import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, ApiResponseError, NetworkError, createApiClient, matchRoute } from './index';

/** A real HTTP server on a free port; each test says how it answers. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}
let server: Server;
let baseUrl: string;
let seen: Seen[];
let answer: (req: Seen, res: ServerResponse) => void;

beforeAll(async () => {
  server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const s = {
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(parts),
      };
      seen.push(s);
      answer(s, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  seen = [];
});

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
};
const user = {
  id: '00000000-0000-4000-8000-000000000001',
  email: 'a@example.test',
  displayName: 'Agent A',
  role: 'agent',
  extension: '101',
  active: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const id = '00000000-0000-4000-8000-0000000000aa';

describe('createApiClient against a real HTTP server', () => {
  it('builds the URL from the path parameters and the query, and sends the bearer token', async () => {
    answer = (_req, res) => json(res, 200, { items: [], nextCursor: null });
    const client = createApiClient({ baseUrl: `${baseUrl}/`, getAccessToken: () => 'tok-1' });
    await client.listCalls({
      query: { status: 'ended', number: '+33 1 23', q: undefined, cursor: '' } as never,
    });
    expect(seen[0]!.method).toBe('GET');
    expect(seen[0]!.url).toBe('/api/calls?status=ended&number=%2B33+1+23');
    expect(seen[0]!.headers.authorization).toBe('Bearer tok-1');

    answer = (_req, res) => res.writeHead(200, { 'Content-Type': 'text/csv' }).end('a,b\n');
    const audio = await client.getRecordingAudio({ params: { id: 'a/b c' } });
    expect(seen[1]!.url).toBe('/api/recordings/a%2Fb%20c/audio');
    expect(audio).toBeInstanceOf(Response);
    expect(await audio.text()).toBe('a,b\n');
    expect(client.url('getRecordingWaveform', { params: { id } })).toBe(
      `${baseUrl}/api/recordings/${id}/waveform.png`,
    );
  });

  it('sends a JSON body and hands back the validated answer; a raw body goes as bytes with its type', async () => {
    answer = (_req, res) =>
      json(res, 200, {
        accessToken: 'a',
        accessTokenExpiresAt: user.createdAt,
        refreshToken: 'r',
        refreshTokenExpiresAt: user.createdAt,
        user,
        extra: 1,
      });
    const client = createApiClient({ baseUrl, getAccessToken: () => 'never-sent' });
    const pair = await client.login({
      body: { email: 'a@example.test', password: 'secret-secret' },
    });
    expect(pair.user.displayName).toBe('Agent A');
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0]!.body.toString())).toEqual({
      email: 'a@example.test',
      password: 'secret-secret',
    });
    // login is anonymous: no token
    expect(seen[0]!.headers.authorization).toBeUndefined();

    answer = (_req, res) => res.writeHead(204, { 'Upload-Offset': '4' }).end();
    const r = await client.request('appendUpload', {
      params: { id },
      body: new Uint8Array([1, 2, 3, 4]),
      headers: { 'Upload-Offset': '0' },
    });
    expect(r.status).toBe(204);
    expect(r.data).toBeUndefined();
    expect(r.headers.get('upload-offset')).toBe('4');
    expect(seen[1]!.headers['content-type']).toBe('application/offset+octet-stream');
    expect([...seen[1]!.body]).toEqual([1, 2, 3, 4]);
  });

  it('an answer that does not match the response schema is an ApiResponseError naming the field', async () => {
    answer = (_req, res) => json(res, 200, { ...user, role: 'pilot' });
    const client = createApiClient({ baseUrl, getAccessToken: () => 't' });
    const err = await client.me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiResponseError);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiResponseError).code).toBe('invalid_response');
    expect((err as ApiResponseError).message).toMatch(
      /^unexpected answer from GET \/api\/auth\/me: role: /,
    );

    answer = (_req, res) =>
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>proxy</html>');
    await expect(client.me()).rejects.toThrow(ApiResponseError);
  });

  it('parses the error shape once into ApiError, and anything else into code unknown', async () => {
    answer = (_req, res) =>
      json(res, 409, {
        error: {
          code: 'conflict',
          message: 'stale version',
          details: { v: 3 },
          requestId: 'req-9',
        },
      });
    const client = createApiClient({ baseUrl, getAccessToken: () => 't' });
    const err = (await client.getCall({ params: { id } }).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect([err.status, err.code, err.message, err.details, err.requestId]).toEqual([
      409,
      'conflict',
      'stale version',
      { v: 3 },
      'req-9',
    ]);

    answer = (_req, res) => res.writeHead(502, 'Bad Gateway').end('<html/>');
    const other = (await client.getCall({ params: { id } }).catch((e: unknown) => e)) as ApiError;
    expect([other.status, other.code, other.message]).toEqual([
      502,
      'unknown',
      'the server answered 502 Bad Gateway',
    ]);
  });

  it('a 401 refreshes once and retries with the new token; a second 401 ends the session', async () => {
    let token = 'old';
    let refreshes = 0;
    const unauthorized: ApiError[] = [];
    answer = (req, res) =>
      req.headers.authorization === 'Bearer new'
        ? json(res, 200, user)
        : json(res, 401, { error: { code: 'token_expired', message: 'expired' } });
    const client = createApiClient({
      baseUrl,
      getAccessToken: async () => token,
      refresh: async () => {
        refreshes++;
        token = 'new';
        return true;
      },
      onUnauthorized: (e) => void unauthorized.push(e),
    });
    expect((await client.me()).id).toBe(user.id);
    expect(seen.map((s) => s.headers.authorization)).toEqual(['Bearer old', 'Bearer new']);
    expect(refreshes).toBe(1);

    seen = [];
    token = 'old';
    const stuck = createApiClient({
      baseUrl,
      getAccessToken: () => token,
      refresh: async () => {
        refreshes++;
        return true; // says it refreshed, the server still refuses
      },
      onUnauthorized: (e) => void unauthorized.push(e),
    });
    const err = (await stuck.me().catch((e: unknown) => e)) as ApiError;
    expect([err.status, err.code]).toEqual([401, 'token_expired']);
    expect(seen).toHaveLength(2);
    expect(refreshes).toBe(2);
    expect(unauthorized).toHaveLength(1);

    // login's 401 is wrong credentials: no refresh
    seen = [];
    await expect(
      stuck.login({ body: { email: 'a@example.test', password: 'x'.repeat(12) } }),
    ).rejects.toThrow('expired');
    expect(seen).toHaveLength(1);
    expect(refreshes).toBe(2);
  });

  it('refreshOn limits the refresh to the 401s it names; onUnauthorized is awaited before the call rejects', async () => {
    answer = (_req, res) =>
      json(res, 401, { error: { code: 'unauthorized', message: 'deactivated' } });
    let refreshes = 0;
    const order: string[] = [];
    const client = createApiClient({
      baseUrl,
      getAccessToken: () => 't',
      refreshOn: (e) => e.code === 'token_expired',
      refresh: async () => {
        refreshes++;
        return true;
      },
      onUnauthorized: async (e) => {
        await new Promise((r) => setTimeout(r, 20));
        order.push(`logged out: ${e.code}`);
      },
    });
    await client.me().catch((e: ApiError) => order.push(`rejected: ${e.message}`));
    expect(order).toEqual(['logged out: unauthorized', 'rejected: deactivated']);
    expect(refreshes).toBe(0);
    expect(seen).toHaveLength(1);
  });

  it('204 resolves to nothing; a server out of reach is a NetworkError', async () => {
    answer = (_req, res) => res.writeHead(204).end();
    const reach: boolean[] = [];
    const client = createApiClient({
      baseUrl,
      getAccessToken: () => 't',
      onReachability: (r) => reach.push(r),
    });
    await expect(
      client.unsubscribePush({ query: { endpoint: 'https://push.example.test/x' } }),
    ).resolves.toBeUndefined();
    expect(seen[0]!.method).toBe('DELETE');
    expect(seen[0]!.url).toBe(
      '/api/push/subscriptions?endpoint=https%3A%2F%2Fpush.example.test%2Fx',
    );

    const gone = createApiClient({
      baseUrl: 'http://127.0.0.1:1',
      getAccessToken: () => 't',
      onReachability: (r) => reach.push(r),
    });
    await expect(gone.me()).rejects.toBeInstanceOf(NetworkError);
    expect(reach).toEqual([true, false]);
  });
});

describe('matchRoute', () => {
  it('finds the route of a method and path, with its decoded parameters', () => {
    expect(matchRoute('GET', `/api/calls/${id}`)).toEqual({ name: 'getCall', params: { id } });
    expect(matchRoute('delete', '/api/admin/queues/tickets/jobs/a%2Fb')).toEqual({
      name: 'deleteFailedJob',
      params: { queue: 'tickets', jobId: 'a/b' },
    });
    expect(matchRoute('GET', '/api/recordings/x/waveform.png')?.name).toBe('getRecordingWaveform');
    expect(matchRoute('GET', '/api/recordings/x/waveformXpng')).toBeNull();
    expect(matchRoute('PUT', '/api/calls')).toBeNull();
  });
});
