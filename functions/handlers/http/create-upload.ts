import { wiring } from '#adapters/wiring';
import { jsonBody } from '#shared/http-input';
import { authenticatedHandler } from '#shared/middleware/auth';
import { json } from '#shared/middleware/http';
import { uploadJson } from '#shared/presenters';
import { uploadRequest } from '#shared/validation';

const createUpload = wiring.createUpload();

export const handler = authenticatedHandler({ who: 'user' }, async ({ event, caller }) =>
  json(201, uploadJson(await createUpload(caller, jsonBody(event, uploadRequest)))),
);
