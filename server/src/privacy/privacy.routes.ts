import { Readable } from 'node:stream';
import yazl from 'yazl';
import { type PrivacySubject } from '@cwn/protocol';
import type { CallsService } from '../calls/calls.service';
import type { RouteTable } from '../http/routes';
import { requestMeta, type AuthUser } from '../http/request-context';
import type { Logger } from '../logger';
import type { EncryptedAudioStore } from '../storage';
import { audioPath, type Actor, type PrivacyService } from './privacy.service';
import { subjectOf, type Subject } from './subject';

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

  routes.handle('erasePersonalData', async ({ req, body, user }) =>
    d.privacy.eraseSubject(await subject(body), body.dryRun, actorOf(user, req)),
  );

  routes.handle('exportPersonalData', async ({ req, res, body, user }) => {
    const s = await subject(body);
    const actor = actorOf(user, req);
    if (body.dryRun) return (await d.privacy.exportPlan(s, actor)).report;
    const { document, audio, liveAudio } = await d.privacy.exportData(s, body.includeAudio, actor);
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
    for (const a of liveAudio) {
      // An open session's audio held so far, from its log (LiveService reads it); the same rule:
      // a record that fails to authenticate, or a log gone meanwhile, aborts the download.
      zip.addReadStreamLazy(a.path, { compress: false }, (cb) => {
        const stream = Readable.from(a.open());
        stream.on('error', (err) => {
          d.logger.error(
            { err, liveRecordingId: a.liveRecordingId },
            'privacy export: live audio unreadable',
          );
          res.destroy(err);
        });
        cb(null, stream);
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
  });

  routes.handle('deleteCall', async ({ req, params, query, user }) => {
    const call = await d.calls.visible(user!, params.id);
    return d.privacy.deleteCall(call, query.dryRun, actorOf(user, req));
  });
}
