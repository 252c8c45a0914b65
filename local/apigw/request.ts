/**
 * Reading an incoming HTTP request the way API Gateway does before it builds an event.
 */

import type { IncomingMessage } from 'node:http';

/** Header values by name in the order they arrived; names as the client spelled them. */
export type MultiValueHeaders = Record<string, string[]>;

/**
 * Groups `rawHeaders` by name. Node joins or drops repeated headers in `req.headers`; API Gateway keeps
 * every value, so the raw list is the source.
 */
export function groupHeaders(req: IncomingMessage, options: { lowerCase: boolean }): MultiValueHeaders {
  const grouped: MultiValueHeaders = {};
  const indexByLowerName = new Map<string, string>();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const rawName = req.rawHeaders[i] as string;
    const value = req.rawHeaders[i + 1] as string;
    const lower = rawName.toLowerCase();
    // Names are case-insensitive: every spelling of one header goes under its first spelling.
    const name = indexByLowerName.get(lower) ?? (options.lowerCase ? lower : rawName);
    indexByLowerName.set(lower, name);
    grouped[name] = [...(grouped[name] ?? []), value];
  }
  return grouped;
}

/** Query parameters by name in order, decoded as API Gateway decodes them (`+` is a space). */
export function parseQuery(rawQueryString: string): MultiValueHeaders {
  const parameters: MultiValueHeaders = {};
  if (rawQueryString === '') return parameters;
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;
    const separator = pair.indexOf('=');
    const name = decode(separator === -1 ? pair : pair.slice(0, separator));
    const value = separator === -1 ? '' : decode(pair.slice(separator + 1));
    parameters[name] = [...(parameters[name] ?? []), value];
  }
  return parameters;
}

function decode(component: string): string {
  try {
    return decodeURIComponent(component.replaceAll('+', ' '));
  } catch {
    // A malformed escape is passed on as sent rather than failing the request.
    return component;
  }
}

/** A percent-decoded path segment; one with a malformed escape is passed on as sent. */
export function decodeComponent(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    return component;
  }
}

/** The client's address without the IPv4-mapped IPv6 prefix Node reports on dual-stack sockets. */
export function sourceIp(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/** Splits a request target into its path and its query string (without `?`). */
export function splitTarget(url: string | undefined): { path: string; rawQueryString: string } {
  const target = url ?? '/';
  const mark = target.indexOf('?');
  return mark === -1
    ? { path: target, rawQueryString: '' }
    : { path: target.slice(0, mark), rawQueryString: target.slice(mark + 1) };
}
