/**
 * A TCP relay with a bandwidth cap per connection and direction, in front of a real server:
 * a slow partner link, so that client transfers to a fast local sshd last long enough for a
 * test to act while they run.
 */
import type { AddressInfo, Socket } from 'node:net';
import { connect, createServer } from 'node:net';

export interface ThrottledRelay {
  /** `127.0.0.1:port` to give the clients instead of the server's address. */
  readonly address: string;
  /**
   * Changes the cap of every connection, open or to come: a test slows transfers down while it
   * sets something up, so that they still run when it is ready, however loaded the machine.
   */
  setRate(bytesPerSecond: number): void;
  close(): Promise<void>;
}

export async function startThrottledRelay(target: string, bytesPerSecond: number): Promise<ThrottledRelay> {
  const [host, port] = target.split(':') as [string, string];
  const cap = { bytesPerSecond };
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect(Number(port), host);
    for (const [s, other] of [
      [inbound, outbound],
      [outbound, inbound],
    ] as const) {
      sockets.add(s);
      // A reset on one side cuts the other, as the real link would.
      s.on('error', () => other.destroy());
      s.once('close', () => sockets.delete(s));
    }
    relay(inbound, outbound, cap);
    relay(outbound, inbound, cap);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${own}`,
    setRate: (rate) => {
      cap.bytesPerSecond = rate;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Copies `from` to `to`, pausing `from` whenever it runs ahead of the cap. Each chunk is given
 * the time it takes at the cap now, after the previous ones: a change of cap applies at once.
 */
function relay(from: Socket, to: Socket, cap: { readonly bytesPerSecond: number }): void {
  let freeAt = Date.now();
  from.on('data', (chunk: Buffer) => {
    const now = Date.now();
    freeAt = Math.max(freeAt, now) + (chunk.length / cap.bytesPerSecond) * 1000;
    const flushed = to.write(chunk);
    const wait = freeAt - now;
    if (wait <= 0 && flushed) return;
    from.pause();
    const resume = (): void => void setTimeout(() => from.resume(), Math.max(0, freeAt - Date.now()));
    if (flushed) resume();
    else to.once('drain', resume);
  });
  from.once('end', () => to.end());
}
