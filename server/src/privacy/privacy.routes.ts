import { z } from 'zod';
import yazl from 'yazl';
import {
  DeleteCallQuery,
  ErrorBody,
  Id,
  PrivacyEraseRequest,
  PrivacyExportRequest,
  PrivacyReport,
  type PrivacySubject,
} from '@cwn/protocol';
import type { CallsService } from '../calls/calls.service';
import type { RouteTable } from '../http/routes';
import { requestMeta, type AuthUser } from '../http/request-context';
import type { Logger } from '../logger';
import type { EncryptedAudioStore } from '../storage';
import { audioPath, type Actor, type PrivacyService } from './privacy.service';
import { subjectOf, type Subject } from './subject';

const IdParams = z.object({ id: Id });

export interface PrivacyRouteDeps {
  privacy: PrivacyService;
  calls: CallsService;
  store: () => Promise<EncryptedAudioStore>;
  /** The region national numbers are read in when the request names none. */
  defaultRegion: () => Promise<string>;
  logger: Logger;
}

export function registerPrivacyRoutes(routes: RouteTable, d: PrivacyRouteDeps): void {
  const actorOf = (user: AuthUser | null, req: Parameters<typeof requestMeta>[0]): Actor => ({
    id: user!.id,
    ...requestMeta(req),
  });
  const subject = async (s: PrivacySubject): Promise<Subject> =>
    subjectOf(s.number, s.region ?? (await d.defaultRegion()));

  routes.add(
    {
      method: 'post',
      path: '/api/admin/privacy/erase',
      summary:
        'Erase everything held for a phone number (calls, audio, transcripts, tickets, uploads); dryRun says what would go',
      tags: ['privacy'],
      body: PrivacyEraseRequest,
      response: PrivacyReport,
    },
    async ({ req, body, user }) =>
      d.privacy.eraseSubject(await subject(body), body.dryRun, actorOf(user, req)),
  );

  routes.add(
    {
      method: 'post',
      path: '/api/admin/privacy/export',
      summary:
        'Export everything held for a phone number as one ZIP (export.json, optionally the decrypted audio); dryRun answers what it will hold',
      tags: ['privacy'],
      body: PrivacyExportRequest,
      openapi: {
        responses: {
          200: {
            description: 'dryRun: the report (JSON); otherwise the ZIP',
            content: {
              'application/json': { schema: PrivacyReport },
              'application/zip': { schema: { type: 'string', format: 'binary' } },
            },
          },
          default: { description: 'Error', content: { 'application/json': { schema: ErrorBody } } },
        },
      },
    },
    async ({ req, res, body, user }) => {
      const s = await subject(body);
      const actor = actorOf(user, req);
      if (body.dryRun) return (await d.privacy.exportPlan(s, actor)).report;
      const { document, audio } = await d.privacy.exportData(s, body.includeAudio, actor);
      const store = await d.store();
      const zip = new yazl.ZipFile();
      zip.addBuffer(Buffer.from(JSON.stringify(document, null, 2)), 'export.json');
      for (const r of audio) {
        // Opened one at a time, when the ZIP reaches it; WAV does not compress: stored as is.
        zip.addReadStreamLazy(audioPath(r.id), { compress: false }, (cb) => {
          store.open(r.id).then(
            (stream) => {
              // A chunk that fails to authenticate: abort the download, never a short ZIP.
              stream.on('error', (err) => {
                d.logger.error({ err, recordingId: r.id }, 'privacy export: audio unreadable');
                res.destroy(err);
              });
              cb(null, stream);
            },
            (err: unknown) => {
              d.logger.error({ err, recordingId: r.id }, 'privacy export: audio unreadable');
              res.destroy(err instanceof Error ? err : new Error(String(err)));
            },
          );
        });
      }
      zip.end();
      res.status(200);
      res.setHeader('Content-Type', 'application/zip');
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader(
        'Content-Disposition',
        `attachment; filename="subject-export-${document.exportedAt.slice(0, 10)}.zip"`,
      );
      await new Promise<void>((resolve) => {
        zip.outputStream.pipe(res);
        res.on('close', resolve);
      });
    },
  );

  routes.add(
    {
      method: 'delete',
      path: '/api/calls/:id',
      summary:
        'Delete one call with its audio, transcript, edit history and ticket rows; dryRun=true says what would go',
      tags: ['privacy', 'calls'],
      params: IdParams,
      query: DeleteCallQuery,
      response: PrivacyReport,
    },
    async ({ req, params, query, user }) => {
      const call = await d.calls.visible(user!, params.id);
      return d.privacy.deleteCall(call, query.dryRun, actorOf(user, req));
    },
  );
}
