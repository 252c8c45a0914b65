/**
 * The HTTP client of `/api` (same origin): JSON in and out, the access token when there is one, and
 * every failure as an {@link ApiError} that {@link errorText} puts into words.
 */
import type { Catalogue } from '../i18n/en.ts';
import type { Channel, Me, Member, Message, MessagePage, UploadTicket, Visibility } from './types.ts';

/** A failed request: the contract's error code, or `network` when no answer came. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** Seconds, from `Retry-After`. */
  readonly retryAfter: number | undefined;

  constructor(status: number, code: string, message: string, retryAfter?: number) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** What a failure means to a person, in the current language; never a raw code. */
export function errorText(t: Catalogue, error: unknown): string {
  const { code, retryAfter } =
    error instanceof ApiError ? error : { code: 'internal', retryAfter: undefined as number | undefined };
  return codeText(t, code, retryAfter);
}

/** The words for a contract error code (HTTP or WebSocket). */
export function codeText(t: Catalogue, code: string | undefined, retryAfter?: number): string {
  switch (code) {
    case 'rate_limited':
      return t.errorRateLimited(Math.max(1, Math.ceil(retryAfter ?? 1)));
    case 'unavailable':
      return t.errorUnavailable;
    case 'network':
      return t.errorNetwork;
    case 'unauthorized':
      return t.errorUnauthorized;
    case 'forbidden':
      return t.errorForbidden;
    case 'not_found':
      return t.errorNotFound;
    case 'conflict':
      return t.errorConflict;
    case 'invalid':
      return t.errorInvalid;
    case 'too_large':
      return t.errorTooLarge;
    case 'timeout':
      return t.errorNoAnswer;
    default:
      return t.errorInternal;
  }
}

/** The contract's code for an answer that has no JSON error body (API Gateway's or CloudFront's own). */
function codeForStatus(status: number): string {
  if (status === 400) return 'invalid';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 413) return 'too_large';
  if (status === 429) return 'rate_limited';
  if (status === 502 || status === 503 || status === 504) return 'unavailable';
  return 'internal';
}

export interface ApiOptions {
  /** The current access token, renewed if needed; `null` for an anonymous request. */
  getToken(): Promise<string | null>;
  /** A token was refused: the session is over. */
  onUnauthorized(): void;
}

export type Api = ReturnType<typeof createApi>;

export function createApi(options: ApiOptions) {
  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = await options.getToken();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`/api${path}`, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'network', 'network error');
    }
    if (response.status === 204) return undefined as T;
    const payload: unknown = await response.json().catch(() => undefined);
    if (response.ok) return payload as T;
    const retryAfterHeader = Number(response.headers.get('retry-after'));
    const retryAfter =
      Number.isFinite(retryAfterHeader) && retryAfterHeader > 0 ? retryAfterHeader : undefined;
    const error = (payload as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const code = typeof error?.code === 'string' ? error.code : codeForStatus(response.status);
    if (response.status === 401 && token) options.onUnauthorized();
    throw new ApiError(response.status, code, String(error?.message ?? response.statusText), retryAfter);
  }

  const channelPath = (id: string) => `/channels/${encodeURIComponent(id)}`;

  return {
    me: () => request<Me>('GET', '/me'),
    channels: () => request<Channel[]>('GET', '/channels'),
    channel: (id: string) => request<Channel>('GET', channelPath(id)),
    createChannel: (input: { name: string; description: string; visibility: Visibility }) =>
      request<Channel>('POST', '/channels', input),
    messages: (id: string, query: { before?: number; after?: number; limit?: number }) => {
      const params = new URLSearchParams();
      if (query.before !== undefined) params.set('before', String(query.before));
      if (query.after !== undefined) params.set('after', String(query.after));
      params.set('limit', String(query.limit ?? 50));
      return request<MessagePage>('GET', `${channelPath(id)}/messages?${params}`);
    },
    postMessage: (
      id: string,
      input: { content: string; clientMessageId: string; attachments: { uploadId: string; alt?: string }[] },
    ) => request<Message>('POST', `${channelPath(id)}/messages`, input),
    members: (id: string) => request<Member[]>('GET', `${channelPath(id)}/members`),
    join: (id: string) => request<Member>('POST', `${channelPath(id)}/join`),
    leave: (id: string) => request<void>('POST', `${channelPath(id)}/leave`),
    addMember: (id: string, userId: string) =>
      request<Member>('PUT', `${channelPath(id)}/members/${encodeURIComponent(userId)}`),
    removeMember: (id: string, userId: string) =>
      request<void>('DELETE', `${channelPath(id)}/members/${encodeURIComponent(userId)}`),
    createUpload: (input: { contentType: string; size: number }) =>
      request<UploadTicket>('POST', '/uploads', input),
  };
}
