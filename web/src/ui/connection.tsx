import { text } from '../i18n/index.ts';
import { connection, session } from '../store/chat.ts';

/** The connection's state, always visible; announced politely when it changes. */
export function ConnectionStatus() {
  const t = text.value;
  if (session.value !== 'signedIn') {
    return (
      <p class="connection idle" role="status">
        <span class="dot" aria-hidden="true" />
        <span class="connection-text">{t.notLive}</span>
      </p>
    );
  }
  const state = connection.value;
  const label =
    state === 'connected'
      ? t.connected
      : state === 'offline'
        ? t.offline
        : state === 'reconnecting'
          ? t.reconnecting
          : t.connecting;
  return (
    <p class={`connection ${state}`} role="status" title={state === 'offline' ? t.offlineHint : undefined}>
      <span class="dot" aria-hidden="true" />
      <span class="visually-hidden">{t.connection}: </span>
      <span class="connection-text">{label}</span>
    </p>
  );
}
