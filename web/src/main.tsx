/**
 * The web app's start: read `config.json`, settle who is signed in, connect, render.
 */
import { effect } from '@preact/signals';
import { render } from 'preact';
import type { WebConfig } from '../../lib/web-config.ts';
import { createApi } from './api/http.ts';
import { type Auth, createAuth } from './auth/auth.ts';
import { locale, text } from './i18n/index.ts';
import { RealtimeClient } from './realtime/client.ts';
import {
  connection,
  loadChannels,
  loadMe,
  onConnected,
  onFrame,
  pollWhileSignedOut,
  session,
  showNotice,
  startChat,
} from './store/chat.ts';
import { listenToHistory, navigate, route } from './store/router.ts';
import { App } from './ui/app.tsx';
import './styles.css';

const autoSignInKey = 'hiroba.autoSignInTried';

async function readConfig(): Promise<WebConfig | null> {
  try {
    const response = await fetch('/config.json', { headers: { accept: 'application/json' } });
    if (!response.ok) return null;
    const config = (await response.json()) as WebConfig;
    return config?.auth?.authorizeUrl ? config : null;
  } catch {
    return null;
  }
}

async function start(): Promise<void> {
  effect(() => {
    document.documentElement.lang = locale.value;
  });
  listenToHistory();
  const config = await readConfig();
  const auth: Auth | null = config ? createAuth(config.auth, location.origin) : null;

  if (route.value.kind === 'callback') {
    try {
      if (!auth) throw new Error('no issuer configured');
      navigate(await auth.completeSignIn(), true);
    } catch {
      navigate('/', true);
      showNotice(text.value.signInFailed);
    }
  }

  const signIn = () => {
    if (!auth) {
      showNotice(text.value.signInUnavailable);
      return;
    }
    void auth.signIn(location.pathname);
  };

  const user = await auth?.currentUser();
  const signedIn = Boolean(user && (!user.expired || user.refresh_token));
  if (!signedIn && auth?.wasSignedIn() && !sessionStorage.getItem(autoSignInKey)) {
    // This browser is signed in (another tab, or before a restart): the issuer remembers it, so
    // signing this tab in costs one redirect and no typing.
    sessionStorage.setItem(autoSignInKey, '1');
    void auth.signIn(location.pathname);
    return;
  }
  sessionStorage.removeItem(autoSignInKey);
  session.value = signedIn ? 'signedIn' : 'signedOut';

  let realtime: RealtimeClient | null = null;
  const api = createApi({
    getToken: async () => (session.value === 'signedIn' && auth ? auth.accessToken() : null),
    onUnauthorized: () => {
      session.value = 'ended';
      realtime?.stop();
      void auth?.forget();
      showNotice(text.value.sessionEnded);
    },
  });

  if (signedIn && auth) {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    realtime = new RealtimeClient({
      url: `${scheme}//${location.host}/ws`,
      getToken: () => auth.accessToken(),
      onFrame,
      onState: (state) => {
        connection.value = state;
      },
      onOpen: onConnected,
    });
    const client = realtime;
    addEventListener('online', () => client.wake());
    addEventListener('offline', () => client.goOffline());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') {
        client.wake();
        void loadChannels();
      }
    });
  }
  startChat({ api, realtime });
  pollWhileSignedOut();

  const root = document.getElementById('app');
  if (!root) return;
  render(
    <App
      api={api}
      signIn={signIn}
      signOut={() => {
        realtime?.stop();
        void auth?.signOut();
      }}
    />,
    root,
  );
  realtime?.start();
  if (signedIn) await loadMe();
  await loadChannels();
}

void start();
