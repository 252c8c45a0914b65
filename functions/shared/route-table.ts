/**
 * The HTTP API's routes as API Gateway matches them, for answering requests no route took: which
 * methods a path has routes for. A path matches a route when each segment equals the route's literal
 * segment or fills a `{name}` one (not empty), and a `{name+}` segment takes the non-empty rest.
 */

/** Known route keys, by what they allow. */
export interface RouteTable {
  /** The methods with a route for `path`, in the order declared; empty when the path has none. */
  methodsFor(path: string): string[];
}

/** Builds the table from route keys such as `GET /api/channels/{channelId}`. */
export function makeRouteTable(routeKeys: readonly string[]): RouteTable {
  const routes = routeKeys.map((key) => {
    const [method = '', path = ''] = key.split(' ');
    return { method, segments: path.split('/').slice(1) };
  });
  return {
    methodsFor(path) {
      const parts = path.split('/').slice(1);
      const methods = routes.filter((route) => matches(route.segments, parts)).map((route) => route.method);
      return [...new Set(methods)];
    },
  };
}

function matches(segments: readonly string[], parts: readonly string[]): boolean {
  for (const [index, segment] of segments.entries()) {
    if (/^\{.+\+\}$/.test(segment)) return parts.slice(index).join('/') !== '';
    const part = parts[index];
    if (part === undefined) return false;
    if (/^\{.+\}$/.test(segment) ? part === '' : part !== segment) return false;
  }
  return parts.length === segments.length;
}
