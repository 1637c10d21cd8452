/** One mail as the page's mailbox panel shows it. */
export interface MailboxEntry {
  seq: number;
  messageId: string | null;
  to: string;
  subject: string;
  receivedAt: string;
  text: string;
}

export type MailboxView =
  | { available: true; count: number; duplicates: number; messages: MailboxEntry[] }
  | { available: false; reason: string };

interface SinkMail {
  seq?: unknown;
  messageId?: unknown;
  envelope?: { to?: unknown };
  to?: unknown;
  subject?: unknown;
  receivedAt?: unknown;
  text?: unknown;
}

function asString(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * Reads the demo mailbox from the SMTP sink's `GET /messages` (only the fields the panel shows). The sink is a demo
 * prop, not a dependency: when it is down the panel says so and signups go on.
 */
export async function fetchMailbox(url: string, timeoutMs = 2_000): Promise<MailboxView> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return { available: false, reason: `the SMTP sink answered ${response.status}` };
    const body = (await response.json()) as { count?: unknown; duplicates?: unknown; messages?: unknown };
    const mails = Array.isArray(body.messages) ? (body.messages as SinkMail[]) : [];
    return {
      available: true,
      count: typeof body.count === 'number' ? body.count : mails.length,
      duplicates: typeof body.duplicates === 'number' ? body.duplicates : 0,
      messages: mails.map((m) => ({
        seq: typeof m.seq === 'number' ? m.seq : 0,
        messageId: typeof m.messageId === 'string' ? m.messageId : null,
        to: Array.isArray(m.envelope?.to) ? (m.envelope.to as unknown[]).map(asString).join(', ') : asString(m.to),
        subject: asString(m.subject),
        receivedAt: asString(m.receivedAt),
        text: asString(m.text).slice(0, 2_000),
      })),
    };
  } catch (error) {
    const reason = (error as { name?: unknown }).name === 'TimeoutError' ? 'the SMTP sink did not answer in time' : 'the SMTP sink is not running';
    return { available: false, reason };
  }
}
