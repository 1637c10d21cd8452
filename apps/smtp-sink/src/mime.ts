/**
 * Just enough MIME to show a mail in the demo mailbox: headers (folded lines, RFC 2047 encoded words), the first
 * text/plain and text/html parts of a (nested) multipart message, quoted-printable and base64 bodies. It is not a
 * general mail parser: attachments are skipped, charsets other than UTF-8 and Latin-1 are read as UTF-8.
 */
export interface ParsedMail {
  /** The Message-ID header as sent, angle brackets included; undefined when the mail has none. */
  messageId: string | undefined;
  subject: string;
  from: string;
  to: string;
  date: string | undefined;
  text: string | undefined;
  html: string | undefined;
}

type Headers = Map<string, string>;

function splitHeadersAndBody(raw: string): [head: string, body: string] {
  const match = /\r?\n\r?\n/.exec(raw);
  return match === null ? [raw, ''] : [raw.slice(0, match.index), raw.slice(match.index + match[0].length)];
}

/** Header names lower-cased; a repeated header keeps its first value. */
export function parseHeaders(head: string): Headers {
  const headers: Headers = new Map();
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return headers;
}

function bytesToString(bytes: Buffer, charset: string | undefined): string {
  const cs = (charset ?? 'utf-8').toLowerCase();
  return cs === 'iso-8859-1' || cs === 'latin1' || cs === 'us-ascii' ? bytes.toString('latin1') : bytes.toString('utf8');
}

function decodeQuotedPrintable(text: string, underscoreIsSpace = false): Buffer {
  const source = (underscoreIsSpace ? text.replace(/_/g, ' ') : text).replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < source.length; i++) {
    const hex = source.slice(i + 1, i + 3);
    if (source[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(source[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?UTF-8?B?...?=`); whitespace between two of them goes. */
export function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_all, charset: string, encoding: string, text: string) =>
      bytesToString(encoding.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : decodeQuotedPrintable(text, true), charset),
    );
}

interface ContentType {
  type: string;
  params: Map<string, string>;
}

function parseContentType(value: string | undefined): ContentType {
  const [type = 'text/plain', ...rest] = (value ?? 'text/plain').split(';');
  const params = new Map<string, string>();
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq > 0) params.set(param.slice(0, eq).trim().toLowerCase(), param.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  return { type: type.trim().toLowerCase(), params };
}

function decodeBody(body: string, headers: Headers, charset: string | undefined): string {
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const decoded =
    encoding === 'base64'
      ? bytesToString(Buffer.from(body.replace(/\s+/g, ''), 'base64'), charset)
      : encoding === 'quoted-printable'
        ? bytesToString(decodeQuotedPrintable(body), charset)
        : body;
  return decoded.replace(/\r\n/g, '\n');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function collectParts(headers: Headers, body: string, into: { text?: string; html?: string }, depth: number): void {
  const contentType = parseContentType(headers.get('content-type'));
  if ((headers.get('content-disposition') ?? '').toLowerCase().startsWith('attachment')) return;
  const boundary = contentType.params.get('boundary');
  if (contentType.type.startsWith('multipart/') && boundary !== undefined && depth < 10) {
    const delimiter = `--${boundary}`;
    const closing = body.indexOf(`${delimiter}--`);
    const inner = closing < 0 ? body : body.slice(0, closing);
    const sections = inner.split(new RegExp(`^${escapeRegExp(delimiter)}[ \\t]*\\r?\\n`, 'm'));
    // sections[0] is the preamble; the closing delimiter and the epilogue were cut off above.
    for (const section of sections.slice(1)) {
      const [head, partBody] = splitHeadersAndBody(section);
      collectParts(parseHeaders(head), partBody, into, depth + 1);
    }
    return;
  }
  const charset = contentType.params.get('charset');
  if (contentType.type === 'text/plain' && into.text === undefined) into.text = decodeBody(body, headers, charset).replace(/\n$/, '');
  if (contentType.type === 'text/html' && into.html === undefined) into.html = decodeBody(body, headers, charset).replace(/\n$/, '');
}

/** Parses a raw RFC 5322 message (as an SMTP server receives it). */
export function parseMail(raw: string): ParsedMail {
  const [head, body] = splitHeadersAndBody(raw);
  const headers = parseHeaders(head);
  const parts: { text?: string; html?: string } = {};
  collectParts(headers, body, parts, 0);
  const header = (name: string): string => decodeWords(headers.get(name) ?? '');
  return {
    messageId: headers.get('message-id') || undefined,
    subject: header('subject'),
    from: header('from'),
    to: header('to'),
    date: headers.get('date'),
    text: parts.text,
    html: parts.html,
  };
}
