import type { SignupErrors, SignupField, SignupInput } from './validation.js';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

export interface PageState {
  values?: SignupInput;
  errors?: SignupErrors;
  /** The signup that just succeeded. */
  signedUp?: { name: string; email: string; note?: string };
  /** A failure that is not about a field. */
  failure?: string;
  /** Shown in the footer, e.g. "zmq (zmq-peer + level)". */
  backend: string;
  /** Whether to show the demo mailbox panel. */
  mailbox: boolean;
}

const LABELS: Record<SignupField, string> = { name: 'Name', email: 'Email address' };

function field(name: SignupField, state: PageState, attributes: string): string {
  const error = state.errors?.[name];
  const value = state.values?.[name] ?? '';
  const hint = name === 'email' ? '<p class="hint" id="email-hint">We send your welcome email here.</p>' : '';
  const describedBy = [name === 'email' ? 'email-hint' : '', error === undefined ? '' : `${name}-error`].filter(Boolean).join(' ');
  return `
        <div class="field${error === undefined ? '' : ' invalid'}">
          <label for="${name}">${LABELS[name]}</label>
          ${hint}
          ${error === undefined ? '' : `<p class="field-error" id="${name}-error"><span class="visually-hidden">Error: </span>${escapeHtml(error)}</p>`}
          <input id="${name}" name="${name}" ${attributes} value="${escapeHtml(value)}"${describedBy === '' ? '' : ` aria-describedby="${describedBy}"`}${error === undefined ? '' : ' aria-invalid="true"'} required>
        </div>`;
}

function errorSummary(errors: SignupErrors | undefined): string {
  const entries = Object.entries(errors ?? {}) as Array<[SignupField, string]>;
  if (entries.length === 0) return '';
  const items = entries.map(([name, message]) => `<li><a href="#${name}">${escapeHtml(message)}</a></li>`).join('');
  return `
      <div class="banner error" role="alert" aria-labelledby="error-title">
        <h2 id="error-title">Please fix ${entries.length === 1 ? 'this' : 'these'} to sign up</h2>
        <ul>${items}</ul>
      </div>`;
}

function success(signedUp: PageState['signedUp']): string {
  if (signedUp === undefined) return '';
  const note = signedUp.note === undefined ? '' : `<p class="note">${escapeHtml(signedUp.note)}</p>`;
  return `
      <div class="banner success" role="status">
        <h2>You're signed up, ${escapeHtml(signedUp.name)}!</h2>
        <p>We're sending a welcome email to <strong>${escapeHtml(signedUp.email)}</strong>.</p>${note}
      </div>`;
}

function mailboxPanel(): string {
  return `
    <section class="card mailbox" aria-labelledby="mailbox-title">
      <h2 id="mailbox-title">Demo mailbox</h2>
      <p class="hint">Welcome emails the SMTP sink has received, newest first. Updated every second.</p>
      <p id="mailbox-status" class="mailbox-status" aria-live="polite">Loading the mailbox…</p>
      <ol id="mailbox-list" class="mailbox-list"></ol>
    </section>
    <script src="/mailbox.js" defer></script>`;
}

/** The whole signup page: the form (with what was typed and any errors), the outcome, the mailbox panel. */
export function renderSignupPage(state: PageState): string {
  const failure = state.failure === undefined ? '' : `<div class="banner error" role="alert"><p>${escapeHtml(state.failure)}</p></div>`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${state.errors === undefined ? '' : 'Error: '}Sign up · Resolute demo</title>
  <link rel="stylesheet" href="/style.css">
</head>
<body>
  <header class="top">
    <p class="brand">Resolute <span>demo</span></p>
  </header>
  <main class="layout${state.mailbox ? '' : ' single'}">
    <section class="card signup" aria-labelledby="signup-title">
      <h1 id="signup-title">Create your account</h1>
      <p class="lead">Sign up and the email service sends you a welcome email: right away, or as soon as it is back if it is down.</p>
      ${errorSummary(state.errors)}${success(state.signedUp)}${failure}
      <form method="post" action="/signup" novalidate>${field('name', state, 'type="text" autocomplete="name" maxlength="200"')}${field('email', state, 'type="email" autocomplete="email" inputmode="email" spellcheck="false"')}
        <button type="submit">Sign up</button>
      </form>
    </section>${state.mailbox ? mailboxPanel() : ''}
  </main>
  <footer class="foot">
    <p>The website publishes <code>user.signedUp</code>; the email service subscribes to it. Bus backend: <strong>${escapeHtml(state.backend)}</strong>.</p>
  </footer>
</body>
</html>
`;
}
