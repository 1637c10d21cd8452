import nodemailer from 'nodemailer';

export interface TestMail {
  from?: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  messageId?: string;
}

/** The raw message nodemailer would put on the wire for `mail` (no server involved). */
export async function compose(mail: TestMail): Promise<string> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const info = await transport.sendMail({ from: 'Resolute demo <welcome@resolute.demo>', ...mail });
  return (info.message as Buffer).toString('utf8');
}
