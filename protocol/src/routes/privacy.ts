import { z } from 'zod';
import {
  DeleteCallQuery,
  PrivacyEraseRequest,
  PrivacyExportRequest,
  PrivacyReport,
} from '../privacy';
import { ErrorBody } from '../errors';
import { Id } from '../common';
import { route } from './route';

const IdParams = z.object({ id: Id });

export const privacyRoutes = {
  erasePersonalData: route({
    method: 'post',
    path: '/api/admin/privacy/erase',
    summary:
      'Erase everything held for a phone number (calls, audio, transcripts, tickets, uploads); dryRun says what would go',
    tags: ['privacy'],
    body: PrivacyEraseRequest,
    response: PrivacyReport,
  }),
  exportPersonalData: route({
    method: 'post',
    path: '/api/admin/privacy/export',
    summary:
      'Export everything held for a phone number as one ZIP (export.json, optionally the decrypted audio); dryRun answers what it will hold',
    tags: ['privacy'],
    body: PrivacyExportRequest,
    rawResponse: 'application/zip',
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
  }),
  deleteCall: route({
    method: 'delete',
    path: '/api/calls/:id',
    summary:
      'Delete one call with its audio, transcript, edit history and ticket rows; dryRun=true says what would go',
    tags: ['privacy', 'calls'],
    params: IdParams,
    query: DeleteCallQuery,
    response: PrivacyReport,
  }),
};
