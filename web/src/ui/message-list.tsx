import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Attachment, Channel, Message } from '../api/types.ts';
import { locale, text } from '../i18n/index.ts';
import {
  connection,
  currentLog,
  discardMessage,
  loadingOlder,
  loadOlder,
  retryMessage,
} from '../store/chat.ts';
import type { PendingImage, PendingMessage } from '../store/messages.ts';
import { Dialog } from './dialog.tsx';
import { dayKey, fitInto, formatDay, formatFull, formatTime, linkify, startsGroup } from './format.ts';

const maxImageWidth = 360;
const maxImageHeight = 280;

function Content(props: { content: string }) {
  if (!props.content) return null;
  return (
    <p class="message-text">
      {linkify(props.content).map((part, index) =>
        part.kind === 'link' ? (
          <a key={index} href={part.href} target="_blank" rel="noopener noreferrer nofollow">
            {part.href}
          </a>
        ) : (
          part.text
        ),
      )}
    </p>
  );
}

function Images(props: { images: readonly (Attachment | PendingImage)[]; onOpen?: (a: Attachment) => void }) {
  if (props.images.length === 0) return null;
  const t = text.value;
  return (
    <ul class="message-images">
      {props.images.map((image) => {
        const size = fitInto(image.width, image.height, maxImageWidth, maxImageHeight);
        const src = 'url' in image ? image.url : image.previewUrl;
        const alt = image.alt ?? '';
        const picture = <img src={src} alt={alt} width={size.width} height={size.height} loading="lazy" />;
        return (
          <li key={image.uploadId}>
            {'url' in image && props.onOpen ? (
              <button
                type="button"
                class="image-button"
                aria-label={t.openImage(alt)}
                onClick={() => props.onOpen?.(image)}
              >
                {picture}
              </button>
            ) : (
              picture
            )}
          </li>
        );
      })}
    </ul>
  );
}

function MessageItem(props: { message: Message; first: boolean; onOpen: (a: Attachment) => void }) {
  const { message, first } = props;
  const lang = locale.value;
  return (
    <li class={`message${first ? ' first' : ''}`} data-seq={message.seq}>
      {first ? (
        <p class="message-meta">
          <span class="author">{message.userName}</span>{' '}
          <time dateTime={message.createdAt} title={formatFull(lang, message.createdAt)}>
            {formatTime(lang, message.createdAt)}
          </time>
        </p>
      ) : (
        <time class="side-time" dateTime={message.createdAt} title={formatFull(lang, message.createdAt)}>
          {formatTime(lang, message.createdAt)}
        </time>
      )}
      <Content content={message.content} />
      <Images images={message.attachments} onOpen={props.onOpen} />
    </li>
  );
}

function PendingItem(props: { pending: PendingMessage; userName: string; first: boolean }) {
  const { pending } = props;
  const t = text.value;
  return (
    <li
      class={`message pending ${pending.status}${props.first ? ' first' : ''}`}
      data-client-id={pending.clientMessageId}
    >
      {props.first && (
        <p class="message-meta">
          <span class="author">{props.userName}</span>
        </p>
      )}
      <Content content={pending.content} />
      <Images images={pending.images} />
      <p class="pending-state">
        {pending.status === 'failed' ? (
          <>
            <span class="error-text">
              {t.failed} {pending.error}
            </span>{' '}
            <button
              type="button"
              class="link-button"
              onClick={() => retryMessage(pending.channelId, pending.clientMessageId)}
            >
              {t.retry}
            </button>{' '}
            <button
              type="button"
              class="link-button"
              onClick={() => discardMessage(pending.channelId, pending.clientMessageId)}
            >
              {t.discard}
            </button>
          </>
        ) : (
          <span class="muted">
            {pending.status === 'queued' && connection.value !== 'connected' ? t.queued : t.sending}
          </span>
        )}
      </p>
    </li>
  );
}

/**
 * The channel's history: latest at the bottom, older pages loaded when scrolling up without the view
 * jumping, grouped by day and author. A polite live region: screen readers hear new messages.
 */
export function MessageList(props: { channel: Channel; userName: string }) {
  const t = text.value;
  const lang = locale.value;
  const log = currentLog.value;
  const scroller = useRef<HTMLElement>(null);
  const atBottom = useRef(true);
  const previous = useRef<{ channelId: string; firstSeq: number | undefined; height: number; top: number }>(
    undefined,
  );
  const [viewing, setViewing] = useState<Attachment | null>(null);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const firstSeq = log.messages[0]?.seq;
    const before = previous.current;
    if (!before || before.channelId !== props.channel.id) {
      element.scrollTop = element.scrollHeight;
      atBottom.current = true;
    } else if (firstSeq !== undefined && before.firstSeq !== undefined && firstSeq < before.firstSeq) {
      // Older messages were added above: keep what the reader was looking at where it was.
      element.scrollTop = before.top + (element.scrollHeight - before.height);
    } else if (atBottom.current) {
      element.scrollTop = element.scrollHeight;
    }
    previous.current = {
      channelId: props.channel.id,
      firstSeq,
      height: element.scrollHeight,
      top: element.scrollTop,
    };
  });

  const onScroll = () => {
    const element = scroller.current;
    if (!element) return;
    atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 80;
    if (previous.current)
      previous.current = { ...previous.current, top: element.scrollTop, height: element.scrollHeight };
    if (element.scrollTop < 300 && log.hasOlder && !loadingOlder.value) void loadOlder(props.channel.id);
  };

  const items: preact.JSX.Element[] = [];
  let last: Message | undefined;
  for (const message of log.messages) {
    if (!last || dayKey(last.createdAt) !== dayKey(message.createdAt)) {
      items.push(
        <li key={`day-${message.seq}`} class="day">
          <h2 class="day-label">{formatDay(lang, t, message.createdAt)}</h2>
        </li>,
      );
    }
    items.push(
      <MessageItem
        key={message.id}
        message={message}
        first={startsGroup(last, message)}
        onOpen={setViewing}
      />,
    );
    last = message;
  }
  log.pending.forEach((pending, index) => {
    const first =
      index === 0 ? !last?.isOwnMessage || Date.now() - Date.parse(last.createdAt) > 300_000 : false;
    items.push(
      <PendingItem key={pending.clientMessageId} pending={pending} userName={props.userName} first={first} />,
    );
  });

  return (
    <section
      class="messages"
      ref={scroller}
      onScroll={onScroll}
      id="messages"
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard to scroll it
      tabIndex={0}
      aria-label={t.messagesOf(props.channel.name)}
    >
      <div class="history-start">
        {!log.loaded ? (
          <p class="muted">{t.loading}</p>
        ) : log.hasOlder ? (
          <button
            type="button"
            class="link-button"
            disabled={loadingOlder.value}
            onClick={() => void loadOlder(props.channel.id)}
          >
            {loadingOlder.value ? t.loadingOlder : t.loadOlder}
          </button>
        ) : (
          <p class="muted">
            {log.messages.length === 0 && log.pending.length === 0
              ? t.emptyChannel
              : t.beginningOfChannel(props.channel.name)}
          </p>
        )}
      </div>
      <div role="log" aria-live="polite" aria-relevant="additions">
        <ol class="message-list">{items}</ol>
      </div>
      {viewing && (
        <Dialog
          title={viewing.alt || t.imageViewer}
          onClose={() => setViewing(null)}
          className="image-dialog"
        >
          <img
            class="full-image"
            src={viewing.url}
            alt={viewing.alt ?? ''}
            width={viewing.width}
            height={viewing.height}
          />
        </Dialog>
      )}
    </section>
  );
}
