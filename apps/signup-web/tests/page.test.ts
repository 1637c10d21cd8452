import { describe, expect, it } from 'vitest';
import { renderSignupPage } from '../src/index.js';

describe('renderSignupPage', () => {
  it('labels every input and sends the form to POST /signup', () => {
    const html = renderSignupPage({ backend: 'zmq (zmq-peer + level)', mailbox: true });
    expect(html).toContain('<form method="post" action="/signup" novalidate>');
    expect(html).toContain('<label for="name">Name</label>');
    expect(html).toContain('<label for="email">Email address</label>');
    expect(html).toMatch(/<input id="name" name="name" type="text" autocomplete="name"[^>]*>/);
    expect(html).toMatch(/<input id="email" name="email" type="email"[^>]*aria-describedby="email-hint"[^>]*>/);
    expect(html).toContain('<button type="submit">Sign up</button>');
    expect(html).toContain('id="mailbox-list"');
    expect(html).toContain('zmq (zmq-peer + level)');
  });

  it('shows each error next to its field, tied to it for screen readers, and in a summary with links', () => {
    const html = renderSignupPage({ backend: 'b', mailbox: false, errors: { email: 'Enter your email address.' }, values: { name: 'Ada', email: '' } });
    expect(html).toContain('<title>Error: Sign up · Resolute demo</title>');
    expect(html).toContain('role="alert"');
    expect(html).toContain('<li><a href="#email">Enter your email address.</a></li>');
    expect(html).toContain('<p class="field-error" id="email-error"><span class="visually-hidden">Error: </span>Enter your email address.</p>');
    expect(html).toMatch(/<input id="email"[^>]*aria-describedby="email-hint email-error" aria-invalid="true"/);
    expect(html).toMatch(/<input id="name"[^>]*value="Ada"/);
    expect(html).not.toContain('id="mailbox-list"');
  });

  it('escapes what the person typed', () => {
    const html = renderSignupPage({ backend: 'b', mailbox: false, values: { name: '"><script>x()</script>', email: 'a' }, errors: { email: 'bad' } });
    expect(html).not.toContain('<script>x()');
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;x()&lt;/script&gt;"');
  });

  it('confirms a signup in a status message', () => {
    const html = renderSignupPage({ backend: 'b', mailbox: true, signedUp: { name: 'Ada <3', email: 'ada@example.com' } });
    expect(html).toContain('<div class="banner success" role="status">');
    expect(html).toContain("You're signed up, Ada &lt;3!");
    expect(html).toContain('<strong>ada@example.com</strong>');
  });
});
