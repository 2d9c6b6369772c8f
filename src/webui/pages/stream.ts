/** Opens a Server-Sent Events response and hands it to the node's live hub. */
import { PassThrough } from 'node:stream';
import type { Console, WebContext } from '../context.js';
import { who } from '../context.js';
import type { LiveStream } from '../live.js';

export function openStream(
  c: WebContext,
  cons: Console,
  o: { topic: LiveStream['topic']; canAct: boolean; only?: number },
): void {
  const me = who(c);
  const body = new PassThrough();
  c.status = 200;
  c.type = 'text/event-stream; charset=utf-8';
  c.set('Cache-Control', 'no-store');
  // No buffering by proxies that honour it (nginx); HAProxy streams by itself (src/haproxy).
  c.set('X-Accel-Buffering', 'no');
  c.req.socket.setNoDelay(true);
  c.req.socket.setTimeout(0);
  c.body = body;
  let open = true;
  const stream: LiveStream = {
    topic: o.topic,
    sessionId: me.session.id,
    canAct: o.canAct,
    ...(o.only === undefined ? {} : { only: o.only }),
    write: (chunk) => {
      if (open) body.write(chunk);
    },
    close: () => {
      open = false;
      body.end();
    },
  };
  // A reconnecting browser waits 3 s (and lands on any node through the load balancer).
  body.write('retry: 3000\n\n');
  const done = (): void => {
    open = false;
    cons.hub.remove(stream);
  };
  c.req.on('close', done);
  body.on('close', done);
  cons.hub.add(stream);
}
