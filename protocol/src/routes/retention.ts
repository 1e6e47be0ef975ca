import { RetentionOverview, RetentionPreview, RetentionPreviewRequest } from '../retention';
import { RetentionSettings } from '../settings';
import { route } from './route';

export const retentionRoutes = {
  getRetention: route({
    method: 'get',
    path: '/api/admin/retention',
    summary: 'Retention policy in force (stored, else the environment), next purge and last run',
    tags: ['health'],
    response: RetentionOverview,
  }),
  putRetention: route({
    method: 'put',
    path: '/api/admin/retention',
    summary:
      'Change the retention policy (days of audio and transcripts, daily hour and time zone); the daily job is re-planned at once',
    tags: ['health'],
    body: RetentionSettings,
    response: RetentionOverview,
  }),
  resetRetention: route({
    method: 'delete',
    path: '/api/admin/retention',
    summary: 'Forget the stored retention policy: the environment’s applies again (job re-planned)',
    tags: ['health'],
    response: RetentionOverview,
  }),
  previewRetention: route({
    method: 'post',
    path: '/api/admin/retention/preview',
    summary:
      'What the next retention run will remove, under the stored policy or under settings not saved yet (nothing is deleted)',
    tags: ['health'],
    body: RetentionPreviewRequest,
    response: RetentionPreview,
  }),
};
