/**
 * Real headless Chromium (Debian's `chromium`, driven by playwright-core) against a private local AWS
 * that serves the production build of the web app.
 */

import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import { type LocalAws, startLocalAws } from '#local/local-aws';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const screenshotDir = join(process.cwd(), 'test-results', 'e2e');

export interface E2eApp {
  aws: LocalAws;
  browser: Browser;
  /** The edge's origin, where the app lives. */
  url: string;
  dispose(): Promise<void>;
}

/** A private local AWS serving the built app, and a browser. */
export async function startApp(): Promise<E2eApp> {
  const stateDir = await mkdtemp(join(tmpdir(), 'hiroba-e2e-'));
  const aws = await startLocalAws({
    stateDir,
    port: 0,
    webRoot: inject('webRoot'),
    logLevel: 'WARN',
    template: inject('template'),
  });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  await mkdir(screenshotDir, { recursive: true });
  return {
    aws,
    browser,
    url: aws.endpoints.edge,
    async dispose() {
      await browser.close().catch(() => {});
      await aws.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

export interface PersonOptions {
  locale?: string;
  colorScheme?: 'light' | 'dark';
  width?: number;
  height?: number;
}

/** A fresh browser context (its own cookies and storage): one person at one browser. */
export async function newPerson(
  app: E2eApp,
  options: PersonOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await app.browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    locale: options.locale ?? 'en-US',
    colorScheme: options.colorScheme ?? 'light',
    timezoneId: 'Asia/Tokyo',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    // A content-security-policy refusal is a bug: the app must work under the strict policy.
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
      errors.push(message.text());
  });
  Object.assign(page, { e2eErrors: errors });
  return { context, page };
}

/** Script errors and CSP refusals the page has seen. */
export function pageErrors(page: Page): string[] {
  return (page as Page & { e2eErrors?: string[] }).e2eErrors ?? [];
}

/** Signs in through the local issuer's own sign-in page, as a person would. */
export async function signIn(page: Page, app: E2eApp, username: string, path = '/'): Promise<void> {
  await page.goto(`${app.url}${path}`);
  await page.locator('main .button.primary').first().click();
  await page.waitForURL(/\/local\/oidc\/interaction\//);
  await page.fill('#username', username);
  await page.click('button[type="submit"]:not([formaction])');
  await page.waitForURL((url) => url.pathname.startsWith('/c/'), { timeout: 30_000 });
  await expect.poll(() => page.locator('.connection.connected').count(), { timeout: 30_000 }).toBe(1);
}

/** Saves `test-results/e2e/<step>.png`. */
export async function screenshot(page: Page, step: string): Promise<void> {
  await page.screenshot({ path: join(screenshotDir, `${step}.png`) });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core on the page and returns its serious and critical violations. axe is evaluated through
 * the DevTools protocol (`page.evaluate`), which the page's CSP does not govern, so the app keeps its
 * strict policy during the test: no `bypassCSP`, no inline script tag.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<any> } })
      .axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return (
      result.violations as Array<{
        id: string;
        impact: string;
        help: string;
        nodes: Array<{ target: unknown }>;
      }>
    )
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`,
      );
  });
  return violations;
}

/** Fails the test with axe's serious or critical violations, if any. */
export async function expectAccessible(page: Page): Promise<void> {
  expect(await axeViolations(page)).toEqual([]);
}
