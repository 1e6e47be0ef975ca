/** Middleware shared by every simulator route: request id, body parsing, journal, scripted faults. */
import { randomUUID } from 'node:crypto';
import busboy from 'busboy';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Fault, JournalEntry, JournalPart, SimState } from './state';
import { incidentId, sha256Hex } from './state';

export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

/** What the simulator keeps in `res.locals`. */
export interface SimLocals {
  entry?: JournalEntry;
  afterFault?: Fault;
  files?: UploadedFile[];
  parts?: JournalPart[];
}

export function locals(res: Response): SimLocals {
  return res.locals as SimLocals;
}

const SECRET_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);
const SECRET_FORM_FIELDS = new Set(['client_secret', 'password']);

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Send the configured fault reply (or nothing, for a hang). */
export function sendFault(res: Response, fault: Fault): void {
  const s = fault.spec;
  if (s.hang) return;
  for (const [k, v] of Object.entries(s.headers ?? {})) res.setHeader(k, v);
  const status = s.status ?? 500;
  if (s.body === undefined) {
    res.status(status).end();
  } else if (typeof s.body === 'string') {
    res
      .status(status)
      .type(s.contentType ?? 'text/plain')
      .send(s.body);
  } else {
    res
      .status(status)
      .type(s.contentType ?? 'application/json')
      .send(JSON.stringify(s.body));
  }
}

/** Every handler answers through here so an "after" fault can replace the real reply. */
export function reply(res: Response, status: number, body?: unknown): void {
  const f = locals(res).afterFault;
  if (f) return sendFault(res, f);
  if (body === undefined) res.status(status).end();
  else res.status(status).json(body);
}

/** Reply with an arbitrary content type and text (the empty-200 comment answer, HTML pages). */
export function replyRaw(res: Response, status: number, contentType: string, text: string): void {
  const f = locals(res).afterFault;
  if (f) return sendFault(res, f);
  res.status(status).type(contentType).send(text);
}

export function validationFailed(res: Response, state: SimState, messages: string[]): void {
  reply(res, 400, {
    resultCode: state.config.validationResultCode,
    errorMessage: messages.join('; '),
    incidentId: incidentId(),
  });
}

export function notFound(res: Response, message: string): void {
  reply(res, 404, { resultCode: 'NOT_FOUND', errorMessage: message, incidentId: incidentId() });
}

export function requestId(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('x-nj-request-id', randomUUID());
  next();
}

/** Creates the journal entry before the body is read, so even malformed requests are recorded. */
export function journalStart(state: SimState) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.path.startsWith('/__sim')) return next();
    const headers: JournalEntry['headers'] = {};
    for (const [k, v] of Object.entries(req.headers)) if (!SECRET_HEADERS.has(k)) headers[k] = v;
    const entry: JournalEntry = {
      seq: state.nextJournalSeq(),
      time: state.now(),
      requestId: String(res.getHeader('x-nj-request-id')),
      method: req.method,
      path: req.path,
      query: { ...(req.query as Record<string, unknown>) },
      headers,
      contentType: req.headers['content-type'] ?? null,
      body: null,
      parts: [],
      auth: null,
      status: null,
      faultId: null,
      notes: [],
    };
    state.record(entry);
    locals(res).entry = entry;
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    next();
  };
}

/** Multipart bodies: fields into req.body, files into res.locals.files, both into the journal. */
export function multipart(req: Request, res: Response, next: NextFunction): void {
  if (!req.is('multipart/form-data')) return next();
  let bb: busboy.Busboy;
  try {
    bb = busboy({ headers: req.headers, limits: { fileSize: 50 * 1024 * 1024 } });
  } catch (err) {
    return next(Object.assign(err as Error, { status: 400 }));
  }
  const fields: Record<string, string> = {};
  const parts: JournalPart[] = [];
  const files: UploadedFile[] = [];
  bb.on('field', (name, value, info) => {
    fields[name] = value;
    parts.push({
      name,
      kind: 'field',
      contentType: info.mimeType,
      value: tryJson(value),
      size: Buffer.byteLength(value),
    });
  });
  bb.on('file', (name, stream, info) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const data = Buffer.concat(chunks);
      files.push({ field: name, filename: info.filename ?? '', contentType: info.mimeType, data });
      const part: JournalPart = {
        name,
        kind: 'file',
        contentType: info.mimeType,
        filename: info.filename,
        size: data.length,
        sha256: sha256Hex(data),
      };
      // A JSON part sent as a Blob gets a filename ("blob") and arrives as a file: show its text too.
      if (/json|text/.test(info.mimeType) && data.length < 1_000_000)
        part.value = tryJson(data.toString('utf8'));
      parts.push(part);
    });
  });
  bb.on('close', () => {
    req.body = fields;
    locals(res).files = files;
    locals(res).parts = parts;
    next();
  });
  bb.on('error', (err) => next(Object.assign(err as Error, { status: 400 })));
  req.pipe(bb);
}

export function bodyParsers() {
  return [
    express.json({ limit: '10mb', strict: false }),
    express.urlencoded({ extended: false, limit: '1mb' }),
    multipart,
  ];
}

export function journalBody(req: Request, res: Response, next: NextFunction): void {
  const l = locals(res);
  if (l.entry) {
    let body: unknown = req.body ?? null;
    if (req.is('application/x-www-form-urlencoded') && body && typeof body === 'object') {
      body = Object.fromEntries(
        Object.entries(body as Record<string, unknown>).map(([k, v]) => [
          k,
          SECRET_FORM_FIELDS.has(k) ? '[redacted]' : v,
        ]),
      );
    }
    l.entry.body = body;
    l.entry.parts = l.parts ?? [];
  }
  next();
}

/** Applies a scripted fault matching this call, if one is armed. */
export function faults(state: SimState) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (req.path.startsWith('/__sim')) return next();
    const f = state.takeFault(req.method, req.path);
    if (!f) return next();
    const l = locals(res);
    if (l.entry) l.entry.faultId = f.id;
    if (f.spec.delayMs) await sleep(f.spec.delayMs);
    if (f.phase === 'after') {
      l.afterFault = f;
      return next();
    }
    if (f.spec.hang) return; // never answer
    if (f.spec.status === undefined && f.spec.body === undefined) return next(); // slow, then normal
    sendFault(res, f);
  };
}

/** Last-resort error handler: malformed JSON and multipart become 400, anything else 500. */
export function errorHandler(
  err: unknown,
  _req: Request,
  res: Response,
  _next: NextFunction,
): void {
  const e = err as { status?: number; statusCode?: number; type?: string; message?: string };
  const status = e.status ?? e.statusCode ?? 500;
  if (res.headersSent) return;
  if (status >= 400 && status < 500) {
    res.status(status).json({
      resultCode: 'FAILURE',
      errorMessage:
        e.type === 'entity.parse.failed'
          ? 'Malformed JSON request body'
          : (e.message ?? 'Bad request'),
      incidentId: incidentId(),
    });
    return;
  }
  res.status(500).json({
    resultCode: 'FAILURE',
    errorMessage: e.message ?? 'Internal error',
    incidentId: incidentId(),
  });
}
