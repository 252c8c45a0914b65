import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from '../api/http.ts';
import { errorText } from '../api/http.ts';
import { type Channel, maxAttachments, maxMessageLength } from '../api/types.ts';
import { imageSize, imageTypes, type UploadHandle, uploadImage } from '../api/upload.ts';
import { text } from '../i18n/index.ts';
import { connection, sendMessage } from '../store/chat.ts';
import { codePoints, fitInto } from './format.ts';
import { ImageIcon, SendIcon } from './icons.tsx';

interface Draft {
  readonly key: string;
  readonly file: File;
  readonly previewUrl: string;
  width: number;
  height: number;
  progress: number;
  status: 'uploading' | 'done' | 'failed';
  error?: string;
  uploadId?: string;
  alt: string;
  handle?: UploadHandle;
}

/** Whether a keydown is the Enter that confirms an IME composition (Japanese input), not a send. */
export function isComposingEnter(event: KeyboardEvent, composing: boolean): boolean {
  return composing || event.isComposing || event.keyCode === 229;
}

export function Composer(props: {
  channel: Channel;
  api: Api;
  files: File[] | null;
  onFilesTaken: () => void;
}) {
  const t = text.value;
  const [value, setValue] = useState('');
  const [drafts, setDrafts] = useState<Draft[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const composing = useRef(false);
  const field = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const length = codePoints(value);
  const over = length - maxMessageLength;
  const uploading = drafts.some((d) => d.status === 'uploading');
  const ready = drafts.filter((d) => d.status === 'done');
  const canSend = over <= 0 && !uploading && (value.trim().length > 0 || ready.length > 0);

  const update = (key: string, change: Partial<Draft>) =>
    setDrafts((list) => list.map((d) => (d.key === key ? { ...d, ...change } : d)));

  const addFiles = (files: readonly File[]) => {
    setProblem(null);
    const images = files.filter((file) => (imageTypes as readonly string[]).includes(file.type));
    if (images.length < files.length) setProblem(t.notAnImage);
    const room = maxAttachments - drafts.length;
    if (images.length > room) setProblem(t.tooManyImages);
    for (const file of images.slice(0, Math.max(0, room))) {
      const key = crypto.randomUUID();
      const previewUrl = URL.createObjectURL(file);
      const draft: Draft = {
        key,
        file,
        previewUrl,
        width: 0,
        height: 0,
        progress: 0,
        status: 'uploading',
        alt: '',
      };
      const handle = uploadImage(props.api, file, (fraction) => update(key, { progress: fraction }));
      draft.handle = handle;
      setDrafts((list) => [...list, draft]);
      void imageSize(previewUrl).then((size) => update(key, size));
      handle.done.then(
        (uploadId) => update(key, { status: 'done', uploadId, progress: 1 }),
        (error: unknown) => {
          if ((error as { code?: string }).code === 'aborted') return;
          const words =
            (error as { code?: string }).code === 'invalid' ? t.imageTooLarge : errorText(t, error);
          update(key, { status: 'failed', error: words });
        },
      );
    }
  };

  // Files dropped on the channel arrive as a prop: take each drop once.
  const taken = useRef<File[] | null>(null);
  useEffect(() => {
    if (props.files?.length && props.files !== taken.current) {
      taken.current = props.files;
      addFiles(props.files);
      props.onFilesTaken();
    }
  });

  const removeDraft = (draft: Draft) => {
    draft.handle?.abort();
    setDrafts((list) => list.filter((d) => d.key !== draft.key));
    field.current?.focus();
  };

  const submit = () => {
    if (uploading) {
      setProblem(t.waitForUploads);
      return;
    }
    if (!canSend) return;
    sendMessage(
      props.channel.id,
      value.trim().length > 0 ? value : '',
      ready.map((d) => ({
        uploadId: d.uploadId ?? '',
        previewUrl: d.previewUrl,
        width: d.width,
        height: d.height,
        ...(d.alt.trim() && { alt: d.alt.trim() }),
      })),
    );
    setValue('');
    setDrafts([]);
    setProblem(null);
    resize(field.current, '');
  };

  const counterId = `composer-counter-${props.channel.id}`;
  const hintId = `composer-hint-${props.channel.id}`;
  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      {drafts.length > 0 && (
        <ul class="drafts" aria-label={t.attachments}>
          {drafts.map((draft) => {
            const size = fitInto(draft.width, draft.height, 120, 90);
            return (
              <li key={draft.key} class={`draft ${draft.status}`}>
                <img src={draft.previewUrl} alt="" width={size.width} height={size.height} />
                <div class="draft-body">
                  {draft.status === 'uploading' && (
                    <>
                      <progress
                        max={100}
                        value={Math.round(draft.progress * 100)}
                        aria-label={t.uploading(Math.round(draft.progress * 100))}
                      />
                      <span class="small-text muted" aria-hidden="true">
                        {t.uploading(Math.round(draft.progress * 100))}
                      </span>
                    </>
                  )}
                  {draft.status === 'failed' && (
                    <span class="small-text error-text">{draft.error ?? t.uploadFailed}</span>
                  )}
                  <label class="alt-field">
                    <span class="visually-hidden">{t.altText}</span>
                    <input
                      type="text"
                      placeholder={t.altTextShort}
                      maxLength={500}
                      value={draft.alt}
                      onInput={(event) =>
                        update(draft.key, { alt: (event.currentTarget as HTMLInputElement).value })
                      }
                    />
                  </label>
                </div>
                <button type="button" class="link-button" onClick={() => removeDraft(draft)}>
                  {draft.status === 'uploading' ? t.cancelUpload : t.removeImage}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <div class={`composer-box${over > 0 ? ' invalid' : ''}`}>
        <label class="visually-hidden" for="composer">
          {t.messageLabel(props.channel.name)}
        </label>
        <textarea
          id="composer"
          ref={field}
          rows={1}
          value={value}
          placeholder={t.messagePlaceholder(props.channel.name)}
          aria-describedby={`${hintId} ${counterId}`}
          aria-invalid={over > 0 ? 'true' : undefined}
          onInput={(event) => {
            const next = (event.currentTarget as HTMLTextAreaElement).value;
            setValue(next);
            resize(event.currentTarget as HTMLTextAreaElement, next);
          }}
          onCompositionStart={() => {
            composing.current = true;
          }}
          onCompositionEnd={() => {
            composing.current = false;
          }}
          onKeyDown={(event) => {
            if (event.key !== 'Enter' || event.shiftKey) return;
            if (isComposingEnter(event, composing.current)) return;
            event.preventDefault();
            submit();
          }}
          onPaste={(event) => {
            const files = [...(event.clipboardData?.files ?? [])];
            if (files.length > 0) {
              event.preventDefault();
              addFiles(files);
            }
          }}
        />
        <input
          ref={picker}
          type="file"
          accept={imageTypes.join(',')}
          multiple
          hidden
          onChange={(event) => {
            const input = event.currentTarget as HTMLInputElement;
            addFiles([...(input.files ?? [])]);
            input.value = '';
          }}
        />
        <button
          type="button"
          class="icon-button"
          aria-label={t.attachImage}
          onClick={() => picker.current?.click()}
        >
          <ImageIcon />
        </button>
        <button type="submit" class="icon-button send" aria-label={t.send} disabled={!canSend}>
          <SendIcon />
        </button>
      </div>
      <div class="composer-foot">
        <span id={hintId} class="muted small-text">
          {connection.value === 'offline' ? t.offlineHint : t.composerHint}
        </span>
        <span id={counterId} class={`small-text ${over > 0 ? 'error-text' : 'muted'}`} aria-live="polite">
          {over > 0
            ? t.tooLong(over)
            : length > maxMessageLength - 500
              ? t.charactersLeft(maxMessageLength - length)
              : ''}
        </span>
      </div>
      {problem && (
        <p class="error-text small-text" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}

/** Grows the box with its text, up to the CSS max-height. */
function resize(element: HTMLTextAreaElement | null, value: string) {
  if (!element) return;
  element.style.height = 'auto';
  if (value) element.style.height = `${element.scrollHeight}px`;
}
