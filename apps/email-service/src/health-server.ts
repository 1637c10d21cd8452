import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A GET /healthz endpoint answering `status()` as JSON; anything else is 404. */
export async function startHealthServer(host: string, port: number, status: () => object): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(status()));
    } else {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found: try GET /healthz"}');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
