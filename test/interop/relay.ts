/**
 * A TCP relay between a client and a target that stops forwarding one direction after a number
 * of bytes, so a client can be killed mid-file at a known point whatever its speed: the client
 * stalls on a full socket, the test kills it, then `close()` cuts the target's side as the
 * client's death would have.
 */
import type { Socket } from 'node:net';
import { createConnection, createServer } from 'node:net';

export interface StallingRelay {
  readonly port: number;
  /** Resolves when `stallAfter` bytes have gone the chosen way. */
  readonly stalled: Promise<void>;
  close(): Promise<void>;
}

export async function startStallingRelay(
  targetPort: number,
  direction: 'upload' | 'download',
  stallAfter: number,
): Promise<StallingRelay> {
  const sockets = new Set<Socket>();
  let onStall: () => void = () => undefined;
  const stalled = new Promise<void>((resolve) => (onStall = resolve));
  let forwarded = 0;
  const server = createServer((client) => {
    const target = createConnection(targetPort, '127.0.0.1');
    for (const s of [client, target]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        target.destroy();
      });
    }
    const counted = direction === 'upload' ? client : target;
    const other = direction === 'upload' ? target : client;
    counted.on('data', (chunk: Buffer) => {
      other.write(chunk);
      forwarded += chunk.length;
      if (forwarded >= stallAfter) {
        counted.pause();
        onStall();
      }
    });
    other.pipe(counted);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    stalled,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
