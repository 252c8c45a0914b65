import { routeTableConfig } from '#shared/config';
import { DomainError } from '#shared/errors';
import { httpHandler, json } from '#shared/middleware/http';
import { makeRouteTable } from '#shared/route-table';

const routes = makeRouteTable(routeTableConfig().routeKeys);

/**
 * The HTTP API's `$default` route: every request no route matches. A path no route has is the contract's
 * `404 not_found`; a known path asked with another method is `405` with `Allow` naming the methods its
 * routes have. `HEAD` and `OPTIONS` are such methods: no route answers them (the API is same-origin, so
 * it answers no CORS preflight).
 */
export const handler = httpHandler(async (event) => {
  const { method, path } = event.requestContext.http;
  const methods = routes.methodsFor(path);
  if (methods.length === 0) throw new DomainError('not-found', `There is no ${path} in the API.`);
  return json(
    405,
    {
      error: {
        code: 'method_not_allowed',
        message: `${path} does not accept ${method}; it accepts ${methods.join(', ')}.`,
      },
    },
    { allow: methods.join(', ') },
  );
});
