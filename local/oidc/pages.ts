/**
 * The local issuer's HTML: the sign-in form, the sign-out confirmation and its error pages. Plain,
 * server-rendered and script-free, so they work under the edge's content security policy; their one
 * inline stylesheet is allowed by its hash ({@link allowPageStyle}).
 */

import { createHash } from 'node:crypto';

const style = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
body { margin: 0; display: grid; min-height: 100vh; place-items: center; background: Canvas; }
main { width: min(24rem, 100% - 2rem); padding: 2rem; border: 1px solid GrayText; border-radius: 0.5rem; }
h1 { margin-top: 0; font-size: 1.5rem; }
label { display: block; font-weight: 600; }
input[type="text"] { box-sizing: border-box; width: 100%; padding: 0.5rem; font: inherit; }
.hint { margin: 0.25rem 0 1rem; color: GrayText; font-size: 0.9rem; }
.error { margin: 0.25rem 0 1rem; color: #c00020; font-weight: 600; }
.check { display: flex; gap: 0.5rem; align-items: center; font-weight: normal; margin-bottom: 1.5rem; }
.actions { display: flex; gap: 0.75rem; }
button { padding: 0.5rem 1rem; font: inherit; cursor: pointer; }
`;

const styleSource = `'sha256-${createHash('sha256').update(style).digest('base64')}'`;

/**
 * `csp` with the pages' inline stylesheet allowed by its hash, and `script-src 'self'` spelt out so
 * that oidc-provider can add the hash of the one inline script it writes (the auto-submitting form
 * that ends a session when someone signs in as somebody else). `undefined` stays `undefined`.
 */
export function allowPageStyle(csp: string | undefined): string | undefined {
  if (!csp) return undefined;
  const directives = csp.split(';').map((directive) => directive.trim());
  const rest = directives.filter((d) => !/^(style|script)-src\b/.test(d));
  const sources = (name: string) =>
    directives
      .find((d) => d.startsWith(`${name} `))
      ?.slice(name.length + 1)
      .trim() ?? "'self'";
  return [
    ...rest,
    `style-src ${sources('style-src')} ${styleSource}`,
    `script-src ${sources('script-src')}`,
  ].join('; ');
}

/** Text safe inside HTML content and double-quoted attributes. */
function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A complete page; `body` is trusted HTML. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · hiroba (local)</title>
<style>${style}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/** What the sign-in form shows. */
export interface SignInForm {
  /** Where the form posts; `${action}/abort` cancels the sign-in. */
  action: string;
  username?: string;
  admin?: boolean;
  /** The reason the last attempt was refused. */
  error?: string;
}

/** The sign-in form: a username, an admin box and no password, because this issuer is for development. */
export function signInPage(form: SignInForm): string {
  const describedBy = form.error ? 'username-hint username-error' : 'username-hint';
  return page(
    'Sign in',
    `<h1>Sign in to hiroba</h1>
<p>This is the local issuer: choose any username, no password needed. The same username is always the same user.</p>
<form method="post" action="${escapeHtml(form.action)}">
<label for="username">Username</label>
<input type="text" id="username" name="username" value="${escapeHtml(form.username ?? '')}"
  required maxlength="40" pattern="[A-Za-z0-9_.\\-]+" autocomplete="username" autocapitalize="none"
  spellcheck="false" autofocus aria-describedby="${describedBy}"${form.error ? ' aria-invalid="true"' : ''}>
<p class="hint" id="username-hint">1 to 40 letters, digits, "_", "." or "-".</p>
${form.error ? `<p class="error" id="username-error" role="alert">${escapeHtml(form.error)}</p>` : ''}
<label class="check"><input type="checkbox" name="admin" value="yes"${form.admin ? ' checked' : ''}>
Admin (a member of the <code>admin</code> group)</label>
<div class="actions">
<button type="submit">Sign in</button>
<button type="submit" formaction="${escapeHtml(form.action)}/abort" formnovalidate>Cancel</button>
</div>
</form>`,
  );
}

/** A page that only says something, with a way back to the app. */
export function messagePage(title: string, message: string): string {
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>
<p><a href="/">Back to hiroba</a></p>`,
  );
}

/** oidc-provider's sign-out confirmation; `form` is its hidden form, with the CSRF token. */
export function signOutPage(form: string): string {
  return page(
    'Sign out',
    `<h1>Sign out of hiroba?</h1>
${form}
<div class="actions">
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Sign out</button>
<button type="submit" form="op.logoutForm">Stay signed in</button>
</div>`,
  );
}
