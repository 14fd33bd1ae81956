// A TCP proxy for fault tests: the app connects to a database through it, and the test makes that database
// vanish as a crash or a network fault would, without touching the real server (which others share).
// - cut(): every open connection is destroyed at once and new ones are dropped as they arrive, until restore();
// - hold(): bytes from the server are held back (a query "in flight"), so a test can cut mid-request;
//   `waitForQuery()` resolves when the client has sent something while held.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** A connection URL like `url` but through the proxy. */
  via(url: string): string;
  cut(): void;
  hold(): void;
  restore(): void;
  waitForQuery(): Promise<void>;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let down = false;
  let held = false;
  let accepted = 0;
  let queryWaiters: Array<() => void> = [];
  const server: Server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    accepted += 1;
    const upstream = connect(targetPort, targetHost);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (chunk) => {
      if (held) {
        const waiters = queryWaiters;
        queryWaiters = [];
        for (const w of waiters) w();
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!held) client.write(chunk);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  const proxy: TcpProxy = {
    port,
    via(url: string) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cut() {
      down = true;
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
    },
    hold() {
      held = true;
    },
    restore() {
      down = false;
      held = false;
    },
    waitForQuery() {
      return new Promise<void>((done) => queryWaiters.push(done));
    },
    accepted: () => accepted,
    async close() {
      proxy.cut();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
  return proxy;
}
