import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MlfError } from '../../core/errors/errors.js';
import { injectBoot } from './viewer-page.js';

/** What {@link serveViewer} serves: the viewer page and one archive. */
export interface ServeOptions {
  /** The built viewer page (`dist/viewer/index.html`). */
  page: string;
  /** Archive bytes the page opens, and the name it shows. */
  archive: Uint8Array;
  name: string;
  /** TCP port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
}

/** A running viewer server. */
export interface ViewerServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

// Only these two resources exist: there is no file system behind the server, so no path can
// reach anything else (no traversal to guard against).
const ARCHIVE_PATH = '/archive';

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * Serves the viewer on 127.0.0.1 with the archive loaded. Requests whose Host header is not this
 * loopback address are refused, which defeats DNS-rebinding pages reaching the archive.
 */
export async function serveViewer(options: ServeOptions): Promise<ViewerServer> {
  const page = injectBoot(options.page, { url: ARCHIVE_PATH.slice(1), name: options.name });
  let port = 0;
  const server = createServer((req, res) => respond(req, res, page, options.archive, port));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new MlfError(
          'MLF-E901',
          `cannot listen on 127.0.0.1:${options.port ?? 0}: ${e.code ?? e.message}`,
          {},
          'Choose another --port, or 0 for any free port.',
        ),
      ),
    );
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function respond(req: IncomingMessage, res: ServerResponse, page: string, archive: Uint8Array, port: number): void {
  const host = req.headers.host ?? '';
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
    res
      .writeHead(421, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS })
      .end('misdirected request\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res
      .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS })
      .end('method not allowed\n');
    return;
  }
  const path = (req.url ?? '/').split('?')[0];
  const body = path === '/' || path === '/index.html' ? page : path === ARCHIVE_PATH ? archive : undefined;
  if (body === undefined) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS }).end('not found\n');
    return;
  }
  const type = typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/octet-stream';
  res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...SECURITY_HEADERS });
  res.end(req.method === 'HEAD' ? undefined : body);
}
