// The demo mailbox panel: polls the website's GET /mailbox (which reads the SMTP sink) every second and lists the
// welcome emails received, newest first. Text only (textContent): nothing from a mail is parsed as HTML.
(() => {
  const list = document.getElementById('mailbox-list');
  const status = document.getElementById('mailbox-status');
  if (!list || !status) return;
  let shown = '';

  function item(mail) {
    const li = document.createElement('li');
    li.dataset.messageId = mail.messageId || '';
    li.dataset.to = mail.to;
    const subject = document.createElement('p');
    subject.className = 'subject';
    subject.textContent = mail.subject || '(no subject)';
    const meta = document.createElement('p');
    meta.className = 'meta';
    meta.textContent = `To ${mail.to} · ${new Date(mail.receivedAt).toLocaleTimeString()}`;
    const preview = document.createElement('p');
    preview.className = 'preview';
    preview.textContent = (mail.text || '').split('\n').slice(0, 3).join('\n');
    li.append(subject, meta, preview);
    return li;
  }

  function render(box) {
    const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
    status.classList.remove('down');
    status.textContent = `${plural(box.count, 'welcome email')} received · ${plural(box.duplicates, 'duplicate')} dropped`;
    const key = JSON.stringify([box.count, box.duplicates]);
    if (key === shown) return;
    shown = key;
    list.replaceChildren(...box.messages.slice().reverse().map(item));
    if (box.messages.length === 0) {
      const empty = document.createElement('li');
      empty.className = 'mailbox-empty';
      empty.textContent = 'No email yet: sign up to get one.';
      list.replaceChildren(empty);
    }
  }

  async function refresh() {
    try {
      const response = await fetch('/mailbox', { cache: 'no-store' });
      const box = await response.json();
      if (box.available) render(box);
      else {
        status.classList.add('down');
        status.textContent = `The demo mailbox is not reachable (${box.reason}). Mails wait in the email service until it is back.`;
      }
    } catch {
      status.classList.add('down');
      status.textContent = 'The website is not reachable.';
    } finally {
      setTimeout(refresh, 1000);
    }
  }
  void refresh();
})();
