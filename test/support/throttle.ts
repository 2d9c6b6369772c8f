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
  close(): Promise<void>;
}

export async function startThrottledRelay(target: string, bytesPerSecond: number): Promise<ThrottledRelay> {
  const [host, port] = target.split(':') as [string, string];
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
    relay(inbound, outbound, bytesPerSecond);
    relay(outbound, inbound, bytesPerSecond);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${own}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Copies `from` to `to`, pausing `from` whenever it runs ahead of the cap. */
function relay(from: Socket, to: Socket, bytesPerSecond: number): void {
  const started = Date.now();
  let bytes = 0;
  from.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    const flushed = to.write(chunk);
    const wait = started + (bytes / bytesPerSecond) * 1000 - Date.now();
    if (wait <= 0 && flushed) return;
    from.pause();
    const resume = (): void => void setTimeout(() => from.resume(), Math.max(0, wait));
    if (flushed) resume();
    else to.once('drain', resume);
  });
  from.once('end', () => to.end());
}
