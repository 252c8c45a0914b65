/**
 * hiroba as two people use it, in real headless Chromium: sign in through the local issuer, create and
 * join a channel, talk live, send an image, reload, lose the connection and come back, type Japanese
 * through an IME; then a phone-width visit. axe-core checks each screen; each step leaves a screenshot
 * in `test-results/e2e/`.
 */
import type { BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type E2eApp,
  expectAccessible,
  newPerson,
  pageErrors,
  screenshot,
  signIn,
  startApp,
} from './support/browser.ts';
import { makePng } from './support/png.ts';

const channelName = `e2e-${Date.now().toString(36)}`;

/** The text of the confirmed messages the page shows, in order. */
function shownMessages(page: Page): Promise<string[]> {
  return page.locator('.message:not(.pending) .message-text').allInnerTexts();
}

describe('hiroba in a browser', () => {
  let app: E2eApp;
  let alice: { context: BrowserContext; page: Page };
  let bob: { context: BrowserContext; page: Page };
  let channelUrl = '';
  // Bob's WebSockets go through this route, so the test can cut them as a lost network would.
  let bobNetworkUp = true;
  const bobSockets = new Set<WebSocketRoute>();

  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app?.dispose();
  });

  it('lets a guest read public channels and invites them to sign in', async () => {
    const guest = await newPerson(app);
    await guest.page.goto(app.url);
    await guest.page.waitForURL((url) => url.pathname.startsWith('/c/'));
    await expect.poll(() => guest.page.locator('h1').innerText()).toContain('general');
    await expect.poll(() => guest.page.locator('.guest').innerText()).toContain('Sign in to post messages.');
    await expect
      .poll(() => guest.page.locator('.history-start').innerText())
      .toBe('No messages yet. Say hello!');
    await screenshot(guest.page, '01-guest');
    await expectAccessible(guest.page);
    expect(pageErrors(guest.page)).toEqual([]);
    await guest.context.close();
  });

  it('shows a not-found page for an unknown address', async () => {
    const guest = await newPerson(app);
    await guest.page.goto(`${app.url}/no/such/page`);
    await expect.poll(() => guest.page.locator('h1').innerText()).toBe('Page not found');
    await screenshot(guest.page, '02-not-found');
    await expectAccessible(guest.page);
    await guest.context.close();
  });

  it('signs two people in through the local issuer', async () => {
    alice = await newPerson(app);
    bob = await newPerson(app, { locale: 'ja-JP', colorScheme: 'dark' });
    await bob.page.routeWebSocket(/\/ws/, (ws) => {
      if (!bobNetworkUp) {
        ws.close();
        return;
      }
      ws.connectToServer();
      bobSockets.add(ws);
    });
    await signIn(alice.page, app, 'alice');
    await signIn(bob.page, app, 'bob');
    await expect.poll(() => alice.page.locator('.account-name').innerText()).toBe('Signed in as alice');
    await expect.poll(() => bob.page.locator('.account-name').innerText()).toBe('bob としてサインイン中');
    expect(await bob.page.getAttribute('html', 'lang')).toBe('ja');
    await screenshot(alice.page, '03-alice-signed-in');
    await screenshot(bob.page, '03-bob-signed-in-ja-dark');
    await expectAccessible(alice.page);
    await expectAccessible(bob.page);
  });

  it('lets alice create a channel and bob join it from a link', async () => {
    await alice.page.getByRole('button', { name: 'New channel' }).first().click();
    await alice.page.fill('#channel-name', channelName);
    await alice.page.fill('#channel-description', 'Where the end-to-end test talks');
    await screenshot(alice.page, '04-create-channel');
    await expectAccessible(alice.page);
    await alice.page.getByRole('button', { name: 'Create' }).click();
    await alice.page.waitForURL((url) => url.pathname.startsWith('/c/') && !url.pathname.endsWith('general'));
    await expect.poll(() => alice.page.locator('h1').innerText()).toContain(channelName);
    await expect.poll(() => alice.page.locator('.channel-link.current').innerText()).toContain(channelName);
    channelUrl = alice.page.url();

    await bob.page.goto(channelUrl);
    await expect.poll(() => bob.page.locator('h1').innerText()).toContain(channelName);
    await bob.page.getByRole('button', { name: '参加する' }).click();
    await expect.poll(() => bob.page.getByRole('button', { name: '退出する' }).count()).toBe(1);
    await screenshot(bob.page, '04-bob-joined');
  });

  it('delivers messages live both ways, pending first and then confirmed', async () => {
    await alice.page.fill('#composer', 'Hello bob! The notes are at https://example.com/notes.');
    await alice.page.keyboard.press('Enter');
    await expect
      .poll(() => shownMessages(alice.page), { timeout: 20_000 })
      .toEqual(['Hello bob! The notes are at https://example.com/notes.']);
    await expect
      .poll(() => shownMessages(bob.page), { timeout: 20_000 })
      .toEqual(['Hello bob! The notes are at https://example.com/notes.']);
    expect(await bob.page.locator('.message-text a').getAttribute('href')).toBe('https://example.com/notes');

    await bob.page.fill('#composer', 'こんにちは、アリスさん\n<b>not bold</b>');
    await bob.page.keyboard.press('Enter');
    await expect.poll(() => shownMessages(alice.page), { timeout: 20_000 }).toHaveLength(2);
    expect((await shownMessages(alice.page))[1]).toBe('こんにちは、アリスさん\n<b>not bold</b>');
    expect(await alice.page.locator('.message-text b').count()).toBe(0);
    await screenshot(alice.page, '05-alice-conversation');
    await screenshot(bob.page, '05-bob-conversation-ja');
    await expectAccessible(alice.page);
  });

  it('never sends while an IME is composing Japanese', async () => {
    const before = (await shownMessages(alice.page)).length;
    await bob.page.focus('#composer');
    await bob.page.evaluate(() => {
      const field = document.querySelector<HTMLTextAreaElement>('#composer');
      if (!field) throw new Error('no composer');
      const enter = (init: KeyboardEventInit) => {
        const event = new KeyboardEvent('keydown', {
          key: 'Enter',
          code: 'Enter',
          bubbles: true,
          cancelable: true,
          ...init,
        });
        // keyCode is not in KeyboardEventInit everywhere; set it as browsers report it during composition.
        Object.defineProperty(event, 'keyCode', { value: init.keyCode ?? 13 });
        field.dispatchEvent(event);
      };
      field.dispatchEvent(new CompositionEvent('compositionstart', { data: '', bubbles: true }));
      field.value = 'にほんご';
      field.dispatchEvent(new InputEvent('input', { data: 'にほんご', isComposing: true, bubbles: true }));
      field.dispatchEvent(new CompositionEvent('compositionupdate', { data: 'にほんご', bubbles: true }));
      // The Enter that picks the conversion, while composing.
      enter({ isComposing: true, keyCode: 229 });
      field.value = '日本語';
      field.dispatchEvent(new InputEvent('input', { data: '日本語', isComposing: true, bubbles: true }));
      field.dispatchEvent(new CompositionEvent('compositionend', { data: '日本語', bubbles: true }));
      // Some browsers report the confirming Enter after compositionend, as keyCode 229.
      enter({ isComposing: false, keyCode: 229 });
    });
    await bob.page.waitForTimeout(1_000);
    expect(await bob.page.locator('.message.pending').count()).toBe(0);
    expect(await bob.page.inputValue('#composer')).toBe('日本語');
    expect((await shownMessages(alice.page)).length).toBe(before);

    await bob.page.keyboard.press('Enter');
    await expect.poll(() => shownMessages(alice.page), { timeout: 20_000 }).toHaveLength(before + 1);
    expect((await shownMessages(alice.page)).at(-1)).toBe('日本語');
  });

  it('refuses a message over 4000 characters in the composer, with a counter', async () => {
    await alice.page.fill('#composer', 'x'.repeat(4003));
    await expect
      .poll(() => alice.page.locator('.composer-foot .error-text').innerText())
      .toContain('3 characters too long');
    expect(await alice.page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await alice.page.keyboard.press('Enter');
    expect(await alice.page.locator('.message.pending').count()).toBe(0);
    await screenshot(alice.page, '06-too-long');
    await alice.page.fill('#composer', '');
  });

  it('uploads an image that both see inline at its own shape, and opens it full size', async () => {
    await alice.page.setInputFiles('.composer input[type="file"]', {
      name: 'bands.png',
      mimeType: 'image/png',
      buffer: makePng(320, 200),
    });
    await expect.poll(() => alice.page.locator('.draft.done').count(), { timeout: 30_000 }).toBe(1);
    await alice.page.fill('.draft input[type="text"]', 'Blue and yellow bands');
    await screenshot(alice.page, '07-image-preview');
    await alice.page.fill('#composer', 'A picture');
    await alice.page.keyboard.press('Enter');
    for (const page of [alice.page, bob.page]) {
      const image = page.locator('.message:not(.pending) .message-images img[alt="Blue and yellow bands"]');
      await expect.poll(() => image.count(), { timeout: 30_000 }).toBe(1);
      expect(await image.getAttribute('width')).toBe('320');
      expect(await image.getAttribute('height')).toBe('200');
      await expect
        .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
        .toBe(320);
    }
    await screenshot(bob.page, '07-bob-sees-image');
    await bob.page.locator('.image-button').last().click();
    await expect.poll(() => bob.page.locator('dialog .full-image').count()).toBe(1);
    await screenshot(bob.page, '07-image-full-size');
    await expectAccessible(bob.page);
    await bob.page.keyboard.press('Escape');
    await expect.poll(() => bob.page.locator('dialog').count()).toBe(0);
  });

  it('takes images pasted into the composer or dropped on the channel, and lets them go again', async () => {
    const png = makePng(40, 30).toString('base64');
    await alice.page.evaluate((data) => {
      const file = () => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], 'small.png', { type: 'image/png' }));
        return transfer;
      };
      const field = document.querySelector('#composer');
      field?.dispatchEvent(
        new ClipboardEvent('paste', { clipboardData: file(), bubbles: true, cancelable: true }),
      );
      const channel = document.querySelector('.channel');
      channel?.dispatchEvent(
        new DragEvent('dragover', { dataTransfer: file(), bubbles: true, cancelable: true }),
      );
      channel?.dispatchEvent(
        new DragEvent('drop', { dataTransfer: file(), bubbles: true, cancelable: true }),
      );
    }, png);
    await expect.poll(() => alice.page.locator('.draft.done').count(), { timeout: 30_000 }).toBe(2);
    await screenshot(alice.page, '08-pasted-and-dropped');
    for (let left = 2; left > 0; left -= 1) {
      await alice.page.locator('.draft button').first().click();
      await expect.poll(() => alice.page.locator('.draft').count()).toBe(left - 1);
    }
  });

  it('keeps the channel and its history across a reload', async () => {
    const before = await shownMessages(bob.page);
    await bob.page.reload();
    await expect.poll(() => bob.page.locator('h1').innerText()).toContain(channelName);
    await expect.poll(() => shownMessages(bob.page), { timeout: 20_000 }).toEqual(before);
    expect(bob.page.url()).toBe(channelUrl);
    await expect.poll(() => bob.page.locator('.connection.connected').count(), { timeout: 30_000 }).toBe(1);
    await screenshot(bob.page, '09-bob-after-reload');
  });

  it('catches up on what was missed while offline, in order, without reloading', async () => {
    const before = await shownMessages(bob.page);
    // The network goes: the socket drops and nothing gets through.
    bobNetworkUp = false;
    await bob.context.setOffline(true);
    for (const socket of bobSockets) await socket.close().catch(() => {});
    bobSockets.clear();
    await expect.poll(() => bob.page.locator('.connection.offline').count(), { timeout: 20_000 }).toBe(1);

    const missed = ['missed one', 'missed two', 'missed three'];
    for (const text of missed) {
      await alice.page.fill('#composer', text);
      await alice.page.keyboard.press('Enter');
    }
    await expect
      .poll(() => shownMessages(alice.page), { timeout: 20_000 })
      .toEqual(expect.arrayContaining(missed));
    // Bob writes while offline: it waits, and goes when the connection is back.
    await bob.page.fill('#composer', 'written offline');
    await bob.page.keyboard.press('Enter');
    await expect.poll(() => bob.page.locator('.message.pending.queued').count()).toBe(1);
    await screenshot(bob.page, '10-bob-offline');
    expect(await shownMessages(bob.page)).toEqual(before);

    bobNetworkUp = true;
    await bob.context.setOffline(false);
    await expect.poll(() => bob.page.locator('.connection.connected').count(), { timeout: 30_000 }).toBe(1);
    await expect
      .poll(() => shownMessages(bob.page), { timeout: 30_000 })
      .toEqual([...before, ...missed, 'written offline']);
    await expect
      .poll(() => shownMessages(alice.page), { timeout: 20_000 })
      .toEqual([...before, ...missed, 'written offline']);
    const seqs = await bob.page
      .locator('.message[data-seq]')
      .evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-seq'))));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    await screenshot(bob.page, '10-bob-caught-up');
    expect(pageErrors(alice.page)).toEqual([]);
    expect(pageErrors(bob.page)).toEqual([]);
  });

  it('lets the owner of a private channel add and remove members', async () => {
    const privateName = `${channelName}-private`;
    await alice.page.getByRole('button', { name: 'New channel' }).first().click();
    await alice.page.fill('#channel-name', privateName);
    await alice.page.getByRole('radio', { name: /Private/ }).check();
    await alice.page.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => alice.page.locator('h1').innerText()).toContain(privateName);
    await alice.page.getByRole('button', { name: /Members/ }).click();
    await alice.page.fill('#add-member', 'bob');
    await alice.page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect
      .poll(() => alice.page.locator('.member-list li').allInnerTexts())
      .toEqual([expect.stringContaining('alice'), expect.stringContaining('bob')]);
    await screenshot(alice.page, '12-private-members');
    await expectAccessible(alice.page);

    await bob.page.reload();
    await expect
      .poll(() => bob.page.locator('.channel-link').allInnerTexts())
      .toContainEqual(expect.stringContaining(privateName));
    await alice.page.getByRole('button', { name: 'Remove bob' }).click();
    await expect.poll(() => alice.page.locator('.member-list li').count()).toBe(1);
    await alice.page.keyboard.press('Escape');
  });

  it('works at phone width: the sidebar folds away and nothing overflows', async () => {
    const carol = await newPerson(app, { width: 375, height: 740 });
    await signIn(carol.page, app, 'carol', new URL(channelUrl).pathname);
    await expect.poll(() => carol.page.locator('h1').innerText()).toContain(channelName);
    expect(await carol.page.locator('#sidebar').isVisible()).toBe(false);
    const overflow = () =>
      carol.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(carol.page, '11-phone');
    await expectAccessible(carol.page);

    await carol.page.getByRole('button', { name: 'Show channels' }).click();
    await expect.poll(() => carol.page.locator('#sidebar').isVisible()).toBe(true);
    await screenshot(carol.page, '11-phone-channels');
    await expectAccessible(carol.page);
    // The language switch sticks across a reload.
    await carol.page.selectOption('#sidebar select', 'ja');
    await carol.page.keyboard.press('Escape');
    await carol.page.reload();
    await expect.poll(() => carol.page.getAttribute('html', 'lang')).toBe('ja');
    await expect
      .poll(() => carol.page.locator('#composer').getAttribute('placeholder'))
      .toBe(`#${channelName} へのメッセージ`);
    await expect.poll(() => carol.page.locator('.message').count()).toBeGreaterThan(0);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(carol.page, '11-phone-ja');
    await carol.context.close();
  });
});
