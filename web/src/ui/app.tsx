import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api/http.ts';
import { text } from '../i18n/index.ts';
import {
  channels,
  currentChannel,
  currentChannelId,
  missingChannels,
  notice,
  openChannel,
  session,
} from '../store/chat.ts';
import { channelPath, navigate, route } from '../store/router.ts';
import { ChannelView } from './channel-view.tsx';
import { ConnectionStatus } from './connection.tsx';
import { CreateChannelDialog } from './create-channel.tsx';
import { CloseIcon, MenuIcon } from './icons.tsx';
import { Sidebar } from './sidebar.tsx';

export interface AppProps {
  api: Api;
  signIn: () => void;
  signOut: () => void;
}

function lastChannel(): string | null {
  try {
    return localStorage.getItem('hiroba.lastChannel');
  } catch {
    return null;
  }
}

export function App(props: AppProps) {
  const t = text.value;
  const [menuOpen, setMenuOpen] = useState(false);
  const [creating, setCreating] = useState(false);
  const current = route.value;

  // Opening a channel follows the address; the home page goes to the last channel, or the first.
  useEffect(() => {
    if (current.kind === 'channel') {
      void openChannel(current.channelId);
    } else if (current.kind === 'home' && channels.value.length > 0) {
      const last = lastChannel();
      const target =
        channels.value.find((c) => c.id === last) ??
        channels.value.find((c) => c.name === 'general') ??
        channels.value[0];
      if (target) navigate(channelPath(target.id), true);
    }
  }, [current, current.kind === 'home' && channels.value.length > 0]);

  useEffect(() => {
    const name = currentChannel.value?.name;
    document.title =
      current.kind === 'notFound'
        ? `${t.notFoundTitle} · ${t.appName}`
        : name
          ? `#${name} · ${t.appName}`
          : t.appName;
  });

  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setMenuOpen(false);
    };
    addEventListener('keydown', onKey);
    document.querySelector<HTMLElement>('#sidebar a, #sidebar button')?.focus();
    return () => removeEventListener('keydown', onKey);
  }, [menuOpen]);

  let content: preact.JSX.Element;
  if (current.kind === 'notFound') {
    content = (
      <div class="page-message">
        <h1>{t.notFoundTitle}</h1>
        <p>{t.notFoundText}</p>
        <a
          class="button primary"
          href="/"
          onClick={(event) => {
            event.preventDefault();
            navigate('/');
          }}
        >
          {t.backHome}
        </a>
      </div>
    );
  } else if (current.kind === 'callback') {
    content = (
      <div class="page-message">
        <h1>{t.signingIn}</h1>
      </div>
    );
  } else if (current.kind === 'channel' && missingChannels.value.has(current.channelId)) {
    content = (
      <div class="page-message">
        <h1>{t.channelNotFoundTitle}</h1>
        <p>{t.channelNotFoundText}</p>
        {session.value !== 'signedIn' && (
          <button type="button" class="button primary" onClick={props.signIn}>
            {t.signIn}
          </button>
        )}
      </div>
    );
  } else if (
    currentChannel.value &&
    current.kind === 'channel' &&
    currentChannelId.value === current.channelId
  ) {
    content = (
      <ChannelView
        key={currentChannel.value.id}
        channel={currentChannel.value}
        api={props.api}
        onSignIn={props.signIn}
      />
    );
  } else {
    content = (
      <div class="page-message">
        <h1 class="visually-hidden">{t.appName}</h1>
        <p class="muted">{t.loading}</p>
      </div>
    );
  }

  return (
    <div class={`app${menuOpen ? ' menu-open' : ''}`}>
      {session.value === 'signedIn' ? (
        <a class="skip-link" href="#composer">
          {t.skipToComposer}
        </a>
      ) : (
        <a class="skip-link" href="#messages">
          {t.skipToMessages}
        </a>
      )}
      <header class="topbar">
        <button
          type="button"
          class="icon-button menu-button"
          aria-expanded={menuOpen}
          aria-controls="sidebar"
          aria-label={menuOpen ? t.closeChannels : t.openChannels}
          onClick={() => setMenuOpen(!menuOpen)}
        >
          {menuOpen ? <CloseIcon /> : <MenuIcon />}
        </button>
        <span class="topbar-name" aria-hidden="true">
          {t.appName}
        </span>
        <ConnectionStatus />
      </header>
      <Sidebar
        open={menuOpen}
        onNavigate={() => setMenuOpen(false)}
        onCreate={() => {
          setMenuOpen(false);
          setCreating(true);
        }}
        onSignIn={props.signIn}
        onSignOut={props.signOut}
      />
      {menuOpen && (
        <button
          type="button"
          class="scrim"
          tabIndex={-1}
          aria-hidden="true"
          onClick={() => setMenuOpen(false)}
        />
      )}
      <main class="main" id="main">
        {content}
      </main>
      <div class="toast-region" role="status" aria-live="polite">
        {notice.value && <p class="toast">{notice.value}</p>}
      </div>
      {creating && <CreateChannelDialog onClose={() => setCreating(false)} />}
    </div>
  );
}
