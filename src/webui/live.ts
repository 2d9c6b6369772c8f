/**
 * Live updates of the console over Server-Sent Events, with ONE poller per node whatever the
 * number of viewers: while at least one browser watches, the hub reads the live transfers once
 * a second (one query), works out what changed, renders each change once, and writes it to every
 * open stream. A transfer is pushed at most once per poll, so at most about once a second.
 * Viewers add sockets, not queries.
 *
 * Also: a comment line every `heartbeatMs` (shorter than HAProxy's client and server timeouts,
 * so an idle stream is never cut), one query every `sessionCheckMs` checking the sessions of
 * every open stream at once (a logout or an expiry closes its streams), and every stream
 * closed when the node drains (browsers reconnect through the load balancer to another node).
 */
import type { NormalizedTransfer } from '../db/stores/transfers.js';
import type { GatewayContext } from '../gateway/context.js';
import type { ClusterNode } from '../model/entities.js';
import type { TransferStatus } from '../model/transfer-state.js';
import { Ticker } from '../util/timers.js';

export interface LiveTransfer {
  t: NormalizedTransfer;
  /** Bytes per second over the last few polls, when known. */
  rate: number | undefined;
  /** Milliseconds left at that rate, when the size is known. */
  etaMs: number | undefined;
  /** Set once the transfer has left the live table (kept on the list for a minute). */
  ended?: { status: TransferStatus; at: number };
}

export interface LiveNodes {
  nodes: ClusterNode[];
  running: Map<string, number>;
  at: number;
}

/** One browser's event stream. */
export interface LiveStream {
  readonly topic: 'transfers' | 'nodes';
  /** The session that opened it (SHA-256 id). */
  readonly sessionId: string;
  /** The viewer may act on transfers (the rows carry action buttons). */
  readonly canAct: boolean;
  /** Only this transfer (the transfer page). */
  readonly only?: number;
  write(chunk: string): void;
  close(): void;
}

export interface LiveRender {
  /** The rows of the running list (changes are pushed as a whole list: one event). */
  transferRows(rows: readonly LiveTransfer[], canAct: boolean, now: number): string;
  /** The live part of one transfer's page. */
  transferProgress(row: LiveTransfer, now: number): string;
  nodes(view: LiveNodes, now: number): string;
}

export interface LiveOptions {
  pollMs: number;
  nodesPollMs: number;
  heartbeatMs: number;
  sessionCheckMs: number;
  /** How long a finished transfer stays on the running list. */
  keepEndedMs: number;
  /** The running list shows at most this many live transfers. */
  maxRows: number;
}

export const defaultLiveOptions: LiveOptions = {
  pollMs: 1000,
  nodesPollMs: 2000,
  // HAProxy's admin frontend and backend time out after 1 min of silence (src/haproxy).
  heartbeatMs: 15_000,
  sessionCheckMs: 30_000,
  keepEndedMs: 60_000,
  maxRows: 200,
};

/** `event: NAME` + the data, each line prefixed (the SSE format). */
export function sseEvent(name: string, data: string): string {
  return `event: ${name}\n${data
    .split('\n')
    .map((l) => `data: ${l}`)
    .join('\n')}\n\n`;
}

const rateWindowMs = 5000;

function sameState(a: NormalizedTransfer, b: NormalizedTransfer): boolean {
  return (
    a.status === b.status &&
    a.progress === b.progress &&
    a.step === b.step &&
    a.node === b.node &&
    a.taskNumber === b.taskNumber &&
    a.errorCode === b.errorCode &&
    a.filesize === b.filesize
  );
}

export class LiveHub {
  readonly #streams = new Set<LiveStream>();
  /** Streams that joined and still need the whole current state. */
  readonly #fresh = new Set<LiveStream>();
  readonly #rows = new Map<number, LiveTransfer>();
  readonly #samples = new Map<number, [number, number][]>();
  #polled = false;
  #nodes: LiveNodes | undefined;
  readonly #transfersTicker: Ticker;
  readonly #nodesTicker: Ticker;
  readonly #heartbeat: Ticker;
  readonly #sessions: Ticker;
  #running = { transfers: false, nodes: false, heartbeat: false, sessions: false };
  /** Database queries the hub made (the fan-out test and the benchmark read it). */
  queries = 0;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly render: LiveRender,
    private readonly o: LiveOptions = defaultLiveOptions,
  ) {
    const warn = (what: string) => (err: unknown) => {
      if (ctx.health.databaseUp) ctx.log.warn({ err }, `web console: ${what} failed`);
    };
    this.#transfersTicker = new Ticker(o.pollMs, () => this.pollTransfers(), warn('live transfers'));
    this.#nodesTicker = new Ticker(o.nodesPollMs, () => this.pollNodes(), warn('live nodes'));
    this.#heartbeat = new Ticker(o.heartbeatMs, () => Promise.resolve(this.#beat()), warn('heartbeat'));
    this.#sessions = new Ticker(o.sessionCheckMs, () => this.checkSessions(), warn('session check'));
  }

  get viewers(): number {
    return this.#streams.size;
  }

  add(stream: LiveStream): void {
    this.#streams.add(stream);
    this.#fresh.add(stream);
    this.#ensureRunning();
    // A viewer that joins gets the current state at once, not at the next change.
    if (stream.topic === 'transfers' && this.#polled) this.#sendTransfers(new Set(), this.ctx.now());
    if (stream.topic === 'nodes' && this.#nodes !== undefined) this.#sendNodes(this.ctx.now());
  }

  remove(stream: LiveStream): void {
    this.#streams.delete(stream);
    this.#fresh.delete(stream);
    this.#stopIdle();
  }

  /** Closes every stream (the node drains or stops). */
  closeAll(): void {
    for (const s of [...this.#streams]) {
      s.close();
      this.remove(s);
    }
  }

  #count(topic: LiveStream['topic']): number {
    let n = 0;
    for (const s of this.#streams) if (s.topic === topic) n++;
    return n;
  }

  #ensureRunning(): void {
    const want = {
      transfers: this.#count('transfers') > 0,
      nodes: this.#count('nodes') > 0,
      heartbeat: this.#streams.size > 0,
      sessions: this.#streams.size > 0,
    };
    if (want.transfers && !this.#running.transfers) this.#transfersTicker.start(true);
    if (want.nodes && !this.#running.nodes) this.#nodesTicker.start(true);
    if (want.heartbeat && !this.#running.heartbeat) this.#heartbeat.start(false);
    if (want.sessions && !this.#running.sessions) this.#sessions.start(false);
    this.#running = {
      transfers: this.#running.transfers || want.transfers,
      nodes: this.#running.nodes || want.nodes,
      heartbeat: this.#running.heartbeat || want.heartbeat,
      sessions: this.#running.sessions || want.sessions,
    };
  }

  #stopIdle(): void {
    if (this.#running.transfers && this.#count('transfers') === 0) {
      void this.#transfersTicker.stop();
      this.#running.transfers = false;
      // A later viewer starts from a fresh read.
      this.#polled = false;
      this.#rows.clear();
      this.#samples.clear();
    }
    if (this.#running.nodes && this.#count('nodes') === 0) {
      void this.#nodesTicker.stop();
      this.#running.nodes = false;
      this.#nodes = undefined;
    }
    if (this.#streams.size === 0) {
      if (this.#running.heartbeat) void this.#heartbeat.stop();
      if (this.#running.sessions) void this.#sessions.stop();
      this.#running.heartbeat = false;
      this.#running.sessions = false;
    }
  }

  #beat(): void {
    for (const s of this.#streams) s.write(': keepalive\n\n');
  }

  /** One poll of the live transfers (one query; a second one only when some just ended). */
  async pollTransfers(): Promise<void> {
    const { ctx } = this;
    if (ctx.health.draining) {
      this.closeAll();
      return;
    }
    this.queries++;
    const live = await ctx.stores.transfers.listNormalized(
      { liveOnly: true },
      { limit: this.o.maxRows, sort: { key: 'start', desc: true } },
    );
    const now = ctx.now();
    const changed = new Set<number>();
    const seen = new Set<number>();
    for (const t of live) {
      seen.add(t.id);
      const before = this.#rows.get(t.id);
      const samples = this.#samples.get(t.id) ?? [];
      samples.push([now, t.progress]);
      while (samples.length > 2 && now - (samples[0]?.[0] ?? now) > rateWindowMs) samples.shift();
      this.#samples.set(t.id, samples);
      const first = samples[0];
      const rate =
        t.status === 'RUNNING' && first !== undefined && now > first[0] && samples.length > 1
          ? ((t.progress - first[1]) * 1000) / (now - first[0])
          : undefined;
      const etaMs =
        rate !== undefined && rate > 0 && t.filesize > 0
          ? ((t.filesize - t.progress) / rate) * 1000
          : undefined;
      if (before === undefined || before.ended !== undefined || !sameState(before.t, t)) changed.add(t.id);
      this.#rows.set(t.id, { t, rate, etaMs });
    }
    const gone = [...this.#rows.values()].filter((r) => !seen.has(r.t.id) && r.ended === undefined);
    if (gone.length > 0 && this.#polled) {
      this.queries++;
      const finished = await ctx.stores.transfers.finishedAmong(gone.map((r) => r.t.id));
      for (const r of gone) {
        const end = finished.get(r.t.id);
        const status = end?.status ?? r.t.status;
        const progress =
          status === 'DONE' && r.t.filesize >= 0 ? Math.max(r.t.progress, r.t.filesize) : r.t.progress;
        this.#rows.set(r.t.id, {
          t: { ...r.t, status, progress, stop: end?.stop ?? now, isHistory: end !== undefined },
          rate: undefined,
          etaMs: undefined,
          ended: { status, at: now },
        });
        this.#samples.delete(r.t.id);
        changed.add(r.t.id);
      }
    } else {
      for (const r of gone) this.#rows.delete(r.t.id);
    }
    for (const r of [...this.#rows.values()]) {
      if (r.ended !== undefined && now - r.ended.at > this.o.keepEndedMs) {
        this.#rows.delete(r.t.id);
        changed.add(r.t.id);
      }
    }
    this.#polled = true;
    this.#sendTransfers(changed, now);
  }

  #sendTransfers(changed: ReadonlySet<number>, now: number): void {
    const rows = [...this.#rows.values()];
    const listChanged = changed.size > 0;
    const lists = new Map<boolean, string>();
    const list = (canAct: boolean): string => {
      let text = lists.get(canAct);
      if (text === undefined) {
        // Rendered once per variant for every viewer.
        text = sseEvent('running', this.render.transferRows(rows, canAct, now));
        lists.set(canAct, text);
      }
      return text;
    };
    const progress = new Map<number, string>();
    for (const s of this.#streams) {
      if (s.topic !== 'transfers') continue;
      const fresh = this.#fresh.has(s);
      if (s.only === undefined) {
        if (listChanged || fresh) s.write(list(s.canAct));
      } else if (changed.has(s.only) || fresh) {
        const row = this.#rows.get(s.only);
        if (row === undefined) continue;
        let text = progress.get(s.only);
        if (text === undefined) {
          text = sseEvent('progress', this.render.transferProgress(row, now));
          if (row.ended !== undefined) text += sseEvent('ended', row.ended.status);
          progress.set(s.only, text);
        }
        s.write(text);
      }
      this.#fresh.delete(s);
    }
  }

  async pollNodes(): Promise<void> {
    const { ctx } = this;
    if (ctx.health.draining) {
      this.closeAll();
      return;
    }
    this.queries += 2;
    const [nodes, running] = await Promise.all([
      ctx.stores.nodes.list(),
      ctx.stores.transfers.runningByNode(),
    ]);
    const now = ctx.now();
    this.#nodes = { nodes, running, at: now };
    for (const s of this.#streams) if (s.topic === 'nodes') this.#fresh.add(s);
    this.#sendNodes(now);
  }

  #sendNodes(now: number): void {
    const view = this.#nodes;
    if (view === undefined) return;
    const text = sseEvent('nodes', this.render.nodes(view, now));
    for (const s of this.#streams) {
      if (s.topic !== 'nodes' || !this.#fresh.has(s)) continue;
      s.write(text);
      this.#fresh.delete(s);
    }
  }

  /** Closes the streams whose session ended (logout elsewhere, idle, lifetime): one query. */
  async checkSessions(): Promise<void> {
    const ids = [...new Set([...this.#streams].map((s) => s.sessionId))];
    if (ids.length === 0) return;
    this.queries++;
    const valid = await this.ctx.stores.webSessions.stillValid(
      ids,
      this.ctx.now(),
      this.ctx.config.admin.webUISessionIdleMs,
    );
    for (const s of [...this.#streams]) {
      if (valid.has(s.sessionId)) continue;
      s.write(sseEvent('logout', 'your session has ended'));
      s.close();
      this.remove(s);
    }
  }
}
