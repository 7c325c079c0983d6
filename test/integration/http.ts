import { createServer, IncomingMessage, RequestListener, Server, ServerResponse } from 'http';
import { createServer as createHttpsServer } from 'https';
import { AddressInfo } from 'net';

/** A loopback HTTP server whose answer can change during a test (JWKS rotation, outages). */
export interface LoopbackServer {
  /** Base URL, for example `http://127.0.0.1:41234` (`https://` with the `tls` option). */
  readonly url: string;
  /** Requests served so far, by path. */
  readonly hits: Map<string, number>;
  /** Replaces the handler. */
  setHandler(handler: LoopbackHandler): void;
  /** Makes every request fail with 503 (an outage) until `setHandler` is called again. */
  fail(status?: number): void;
  close(): Promise<void>;
}

export type LoopbackHandler = (req: IncomingMessage, body: string) => { status?: number; headers?: Record<string, string>; body: unknown } | Promise<{ status?: number; headers?: Record<string, string>; body: unknown }>;

/** Options of {@link startLoopbackServer}. */
export interface LoopbackServerOptions {
  /** Serve HTTPS with this PEM key and certificate (the client must trust the certificate, for example by NODE_EXTRA_CA_CERTS). */
  readonly tls?: { readonly key: string; readonly cert: string };
}

/** Starts an HTTP (or, with `tls`, HTTPS) server on 127.0.0.1 and a free port. */
export async function startLoopbackServer(handler: LoopbackHandler, options: LoopbackServerOptions = {}): Promise<LoopbackServer> {
  let current = handler;
  const hits = new Map<string, number>();
  const listener: RequestListener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      hits.set(path, (hits.get(path) ?? 0) + 1);
      Promise.resolve(current(req, Buffer.concat(chunks).toString('utf8'))).then((out) => {
        const body = typeof out.body === 'string' ? out.body : JSON.stringify(out.body);
        res.writeHead(out.status ?? 200, { 'content-type': 'application/json', ...out.headers });
        res.end(body);
      }, (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
    });
  };
  const server: Server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, listener) : createServer(listener);
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    hits,
    setHandler(h) { current = h; },
    fail(status = 503) { current = () => ({ status, body: { error: 'unavailable' } }); },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** Serves a JSON Web Key Set at `/.well-known/jwks.json`; `setKeys` rotates it. */
export async function startJwksServer(jwks: { keys: object[] }): Promise<LoopbackServer & { jwksUri: string; setKeys(keys: { keys: object[] }): void }> {
  let current = jwks;
  const server = await startLoopbackServer((req) => (req.url?.startsWith('/.well-known/jwks.json') ? { body: current } : { status: 404, body: { error: 'not found' } }));
  return Object.assign(server, {
    jwksUri: `${server.url}/.well-known/jwks.json`,
    setKeys(keys: { keys: object[] }) {
      current = keys;
      server.setHandler((req) => (req.url?.startsWith('/.well-known/jwks.json') ? { body: current } : { status: 404, body: { error: 'not found' } }));
    },
  });
}
