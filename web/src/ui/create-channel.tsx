import { useState } from 'preact/hooks';
import { errorText } from '../api/http.ts';
import type { Visibility } from '../api/types.ts';
import { text } from '../i18n/index.ts';
import { createChannel } from '../store/chat.ts';
import { channelPath, navigate } from '../store/router.ts';
import { Dialog } from './dialog.tsx';

export function CreateChannelDialog(props: { onClose: () => void }) {
  const t = text.value;
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [visibility, setVisibility] = useState<Visibility>('public');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!name.trim()) return;
    setBusy(true);
    try {
      const channel = await createChannel({ name: name.trim(), description: description.trim(), visibility });
      props.onClose();
      navigate(channelPath(channel.id));
    } catch (error) {
      setProblem(errorText(t, error));
      setBusy(false);
    }
  };

  return (
    <Dialog title={t.createChannel} onClose={props.onClose}>
      <form class="form" onSubmit={submit}>
        <label for="channel-name">{t.channelName}</label>
        <input
          id="channel-name"
          type="text"
          required
          maxLength={80}
          value={name}
          aria-describedby="channel-name-hint"
          onInput={(event) => setName((event.currentTarget as HTMLInputElement).value)}
        />
        <p id="channel-name-hint" class="muted small-text">
          {t.channelNameHint}
        </p>
        <label for="channel-description">{t.channelDescription}</label>
        <textarea
          id="channel-description"
          rows={2}
          maxLength={500}
          value={description}
          onInput={(event) => setDescription((event.currentTarget as HTMLTextAreaElement).value)}
        />
        <fieldset>
          <legend>{t.visibility}</legend>
          <label class="choice">
            <input
              type="radio"
              name="visibility"
              value="public"
              checked={visibility === 'public'}
              onChange={() => setVisibility('public')}
            />
            {t.visibilityPublic}
          </label>
          <label class="choice">
            <input
              type="radio"
              name="visibility"
              value="private"
              checked={visibility === 'private'}
              onChange={() => setVisibility('private')}
            />
            {t.visibilityPrivate}
          </label>
        </fieldset>
        {problem && (
          <p class="error-text" role="alert">
            {problem}
          </p>
        )}
        <div class="form-actions">
          <button type="button" class="button secondary" onClick={props.onClose}>
            {t.cancel}
          </button>
          <button type="submit" class="button primary" disabled={busy}>
            {t.create}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
