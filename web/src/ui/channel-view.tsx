import { useState } from 'preact/hooks';
import type { Api } from '../api/http.ts';
import type { Channel } from '../api/types.ts';
import { text } from '../i18n/index.ts';
import {
  channelErrors,
  isMember,
  joinChannel,
  leaveChannel,
  me,
  members,
  openChannel,
  session,
} from '../store/chat.ts';
import { navigate } from '../store/router.ts';
import { Composer } from './composer.tsx';
import { LockIcon } from './icons.tsx';
import { MembersDialog } from './members-dialog.tsx';
import { MessageList } from './message-list.tsx';

export function ChannelView(props: { channel: Channel; api: Api; onSignIn: () => void }) {
  const t = text.value;
  const { channel } = props;
  const [showMembers, setShowMembers] = useState(false);
  const [dropping, setDropping] = useState(false);
  const [dropped, setDropped] = useState<File[] | null>(null);
  const signedIn = session.value === 'signedIn';
  const error = channelErrors.value.get(channel.id);
  const membersKnown = members.value !== null;

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a drop target for images; keyboard users have the picker
    <div
      class={`channel${dropping ? ' dropping' : ''}`}
      onDragOver={(event) => {
        if (!signedIn || !event.dataTransfer?.types.includes('Files')) return;
        event.preventDefault();
        setDropping(true);
      }}
      onDragLeave={(event) => {
        if (event.currentTarget === event.target) setDropping(false);
      }}
      onDrop={(event) => {
        if (!signedIn) return;
        event.preventDefault();
        setDropping(false);
        setDropped([...(event.dataTransfer?.files ?? [])]);
      }}
    >
      <header class="channel-head">
        <div class="channel-title">
          <h1>
            {channel.visibility === 'private' ? (
              <span class="title-icon" role="img" aria-label={t.privateChannel}>
                <LockIcon />
              </span>
            ) : (
              <span class="title-hash" aria-hidden="true">
                #
              </span>
            )}
            {channel.name}
          </h1>
          {channel.description && <p class="channel-description">{channel.description}</p>}
        </div>
        {signedIn && membersKnown && (
          <div class="channel-actions">
            {(channel.visibility === 'private' || isMember.value) && (
              <button type="button" class="button secondary" onClick={() => setShowMembers(true)}>
                {t.members}
                {members.value && <span class="count">{members.value.length}</span>}
              </button>
            )}
            {isMember.value ? (
              <button
                type="button"
                class="button secondary"
                onClick={async () => {
                  const gone = await leaveChannel(channel);
                  if (gone) navigate('/', true);
                }}
              >
                {t.leave}
              </button>
            ) : (
              me.value &&
              (channel.visibility === 'public' || me.value.isAdmin) && (
                <button type="button" class="button primary" onClick={() => void joinChannel(channel)}>
                  {t.join}
                </button>
              )
            )}
          </div>
        )}
      </header>
      {error && (
        <div class="banner error" role="alert">
          <span>{error}</span>{' '}
          <button type="button" class="link-button" onClick={() => void openChannel(channel.id)}>
            {t.tryAgain}
          </button>
        </div>
      )}
      <MessageList channel={channel} userName={me.value?.userName ?? ''} />
      {signedIn ? (
        <Composer channel={channel} api={props.api} files={dropped} onFilesTaken={() => setDropped(null)} />
      ) : (
        <div class="guest">
          <p>{session.value === 'ended' ? t.sessionEnded : t.guestInvite}</p>
          <button type="button" class="button primary" onClick={props.onSignIn}>
            {t.signIn}
          </button>
        </div>
      )}
      {dropping && (
        <div class="drop-hint" aria-hidden="true">
          {t.dropHere}
        </div>
      )}
      {showMembers && <MembersDialog channel={channel} onClose={() => setShowMembers(false)} />}
    </div>
  );
}
