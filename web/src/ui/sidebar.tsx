import type { Locale } from '../i18n/index.ts';
import { locale, setLocale, text } from '../i18n/index.ts';
import { channels, channelsError, currentChannelId, me, session, unread } from '../store/chat.ts';
import { channelPath, navigate } from '../store/router.ts';
import { HashIcon, LockIcon, PlusIcon } from './icons.tsx';

export function Sidebar(props: {
  open: boolean;
  onNavigate: () => void;
  onCreate: () => void;
  onSignIn: () => void;
  onSignOut: () => void;
}) {
  const t = text.value;
  const signedIn = session.value === 'signedIn';
  return (
    <nav id="sidebar" class={`sidebar${props.open ? ' open' : ''}`} aria-label={t.channelsNav}>
      <div class="brand">
        <a
          href="/"
          class="brand-link"
          onClick={(event) => {
            event.preventDefault();
            navigate('/');
            props.onNavigate();
          }}
        >
          {t.appName}
        </a>
      </div>
      <div class="sidebar-section">
        <div class="section-head">
          <h2 id="channels-heading">{t.channels}</h2>
          {signedIn && (
            <button
              type="button"
              class="icon-button small"
              aria-label={t.newChannel}
              onClick={props.onCreate}
            >
              <PlusIcon />
            </button>
          )}
        </div>
        {channelsError.value && <p class="error-text">{channelsError.value}</p>}
        {channels.value.length === 0 && !channelsError.value && <p class="muted small-text">{t.loading}</p>}
        <ul class="channel-list" aria-labelledby="channels-heading">
          {channels.value.map((channel) => {
            const current = channel.id === currentChannelId.value;
            const count = unread.value.get(channel.id) ?? 0;
            return (
              <li key={channel.id}>
                <a
                  href={channelPath(channel.id)}
                  class={`channel-link${current ? ' current' : ''}${count > 0 ? ' unread' : ''}`}
                  aria-current={current ? 'page' : undefined}
                  onClick={(event) => {
                    event.preventDefault();
                    navigate(channelPath(channel.id));
                    props.onNavigate();
                  }}
                >
                  <span
                    class="channel-icon"
                    role="img"
                    aria-label={channel.visibility === 'private' ? t.privateChannel : t.publicChannel}
                  >
                    {channel.visibility === 'private' ? <LockIcon /> : <HashIcon />}
                  </span>
                  <span class="channel-name">{channel.name}</span>
                  {count > 0 && (
                    <span class="badge">
                      <span aria-hidden="true">{count}</span>
                      <span class="visually-hidden">{t.unread(count)}</span>
                    </span>
                  )}
                </a>
              </li>
            );
          })}
        </ul>
        {signedIn && (
          <button type="button" class="link-button new-channel" onClick={props.onCreate}>
            <PlusIcon /> {t.newChannel}
          </button>
        )}
      </div>
      <div class="sidebar-foot">
        <label class="language">
          <span>{t.language}</span>
          <select
            value={locale.value}
            onChange={(event) => setLocale((event.currentTarget as HTMLSelectElement).value as Locale)}
          >
            <option value="en" lang="en">
              {t.languageEn}
            </option>
            <option value="ja" lang="ja">
              {t.languageJa}
            </option>
          </select>
        </label>
        {signedIn && me.value ? (
          <div class="account">
            <p class="account-name">{t.signedInAs(me.value.userName)}</p>
            <details class="account-details">
              <summary>{t.yourUserId}</summary>
              <code class="user-id">{me.value.userId}</code>
            </details>
            <button type="button" class="button secondary" onClick={props.onSignOut}>
              {t.signOut}
            </button>
          </div>
        ) : (
          session.value !== 'signedIn' && (
            <button type="button" class="button primary" onClick={props.onSignIn}>
              {t.signIn}
            </button>
          )
        )}
      </div>
    </nav>
  );
}
