import { authenticatedHandler } from '#shared/middleware/auth';
import { json } from '#shared/middleware/http';

/** Who the credential belongs to, as hiroba sees them. */
export const handler = authenticatedHandler({ who: 'user' }, async ({ caller }) =>
  json(200, { userId: caller.userId, userName: caller.userName, kind: caller.kind, isAdmin: caller.isAdmin }),
);
