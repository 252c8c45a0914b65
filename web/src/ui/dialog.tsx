/** A modal dialog on the native `<dialog>`: focus kept inside, Escape closes, focus returns after. */
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { text } from '../i18n/index.ts';
import { CloseIcon } from './icons.tsx';

export function Dialog(props: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  className?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement as HTMLElement | null;
    if (dialog && !dialog.open) dialog.showModal();
    return () => opener?.focus?.();
  }, []);
  const titleId = useId();
  return (
    <dialog
      ref={ref}
      class={`dialog ${props.className ?? ''}`}
      aria-labelledby={titleId}
      onClose={props.onClose}
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
    >
      <div class="dialog-head">
        <h2 id={titleId}>{props.title}</h2>
        <button type="button" class="icon-button" aria-label={text.value.close} onClick={props.onClose}>
          <CloseIcon />
        </button>
      </div>
      {props.children}
    </dialog>
  );
}
