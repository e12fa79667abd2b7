/** A real SMTP server in the test process (smtp-server): plain text, login optional, every message kept. */
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** A message as the server accepted it: the envelope's sender and recipients, and the raw message. */
export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

export interface SmtpTestServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Listens on an ephemeral port of 127.0.0.1, accepts the login `cdflow` with `password` (and no other), and
 * gives each message it accepts to `onMail`; `options` add to or replace the server's handlers.
 */
export async function startSmtpTestServer(
  password: string,
  onMail: (mail: ReceivedMail) => void,
  options: Partial<SMTPServerOptions> = {},
): Promise<SmtpTestServer> {
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'cdflow' && auth.password === password) return callback(null, { user: 'cdflow' });
      return callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        onMail({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
