import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../api/http.ts';
import type { Channel } from '../api/types.ts';
import { text } from '../i18n/index.ts';
import { addMember, canManage, knownPeople, loadMembers, me, members, removeMember } from '../store/chat.ts';
import { Dialog } from './dialog.tsx';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A channel's members; its owner (or an admin) adds and removes people. */
export function MembersDialog(props: { channel: Channel; onClose: () => void }) {
  const t = text.value;
  const [who, setWho] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const manage = canManage.value;
  const people = knownPeople.value;
  // People join and leave while the channel is open: show who is in it now.
  useEffect(() => {
    void loadMembers(props.channel.id);
  }, [props.channel.id]);

  const add = async (event: Event) => {
    event.preventDefault();
    const name = who.trim();
    if (!name) return;
    const userId = people.get(name) ?? (uuidPattern.test(name) ? name : undefined);
    if (!userId) {
      setProblem(t.unknownPerson(name));
      return;
    }
    setBusy(true);
    try {
      await addMember(props.channel.id, userId);
      setWho('');
      setProblem(null);
    } catch (error) {
      setProblem(errorText(t, error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={t.membersOf(props.channel.name)} onClose={props.onClose}>
      <ul class="member-list">
        {(members.value ?? []).map((member) => (
          <li key={member.userId}>
            <span class="member-name">
              {member.userName}
              {member.role === 'owner' && <span class="tag">{t.owner}</span>}
              {member.userId === me.value?.userId && <span class="tag">{t.you}</span>}
            </span>
            {manage && member.userId !== me.value?.userId && (
              <button
                type="button"
                class="link-button"
                aria-label={t.removeMember(member.userName)}
                onClick={() => void removeMember(props.channel.id, member.userId)}
              >
                {t.remove}
              </button>
            )}
          </li>
        ))}
      </ul>
      {manage && (
        <form class="add-member" onSubmit={add}>
          <label for="add-member">{t.addMemberLabel}</label>
          <div class="row">
            <input
              id="add-member"
              type="text"
              list="known-people"
              autocomplete="off"
              value={who}
              aria-describedby="add-member-hint"
              onInput={(event) => setWho((event.currentTarget as HTMLInputElement).value)}
            />
            <button type="submit" class="button primary" disabled={busy}>
              {t.add}
            </button>
          </div>
          <datalist id="known-people">
            {[...people.keys()].map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
          <p id="add-member-hint" class="muted small-text">
            {t.addMemberHint}
          </p>
          {problem && (
            <p class="error-text small-text" role="alert">
              {problem}
            </p>
          )}
        </form>
      )}
    </Dialog>
  );
}
