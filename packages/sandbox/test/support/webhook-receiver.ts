import { createServer, type IncomingHttpHeaders } from 'node:http';

export interface WebhookReceiver {
  /** Where to register the webhook: the server's address followed by `path`. */
  url: string;
  close(): Promise<void>;
}

/**
 * An HTTP server on a free port of 127.0.0.1 that answers every request 204 once its whole body has
 * arrived, handing the body and the request's headers to `delivered`.
 */
export async function startWebhookReceiver(
  path: string,
  delivered: (body: string, headers: IncomingHttpHeaders) => void,
): Promise<WebhookReceiver> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      delivered(body, req.headers);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}${path}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
