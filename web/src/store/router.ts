/** The app's few addresses: `/`, `/c/<channelId>`, the sign-in callback, and everything else (not found). */
import { signal } from '@preact/signals';
import { authCallbackPath } from '../../../lib/web-config.ts';

export type Route =
  | { readonly kind: 'home' }
  | { readonly kind: 'channel'; readonly channelId: string }
  | { readonly kind: 'callback' }
  | { readonly kind: 'notFound' };

/** The route for a path. */
export function parseRoute(path: string): Route {
  if (path === '/' || path === '') return { kind: 'home' };
  if (path === authCallbackPath) return { kind: 'callback' };
  const channel = /^\/c\/([^/]+)\/?$/.exec(path);
  if (channel?.[1]) {
    try {
      return { kind: 'channel', channelId: decodeURIComponent(channel[1]) };
    } catch {
      return { kind: 'notFound' };
    }
  }
  return { kind: 'notFound' };
}

export const channelPath = (channelId: string) => `/c/${encodeURIComponent(channelId)}`;

export const route = signal<Route>(
  typeof location === 'undefined' ? { kind: 'home' } : parseRoute(location.pathname),
);

/** Goes to `path` in the app, adding a history entry (or replacing the current one). */
export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path);
  else if (location.pathname !== path) history.pushState(null, '', path);
  route.value = parseRoute(path);
}

export function listenToHistory(): void {
  addEventListener('popstate', () => {
    route.value = parseRoute(location.pathname);
  });
}
