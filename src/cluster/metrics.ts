/**
 * Per-node metrics in the Prometheus text format (`GET /metrics`). Counters live in memory
 * and are bumped off the hot path (once per transfer end or per progress checkpoint, never
 * per packet); gauges are read when scraped.
 */

export class Metrics {
  /**
   * Bytes received by this node (server uploads, client pulls): each transfer's whole size,
   * counted once by the node that records it DONE (src/transfer/lifecycle.ts).
   */
  bytesIn = 0;
  /** Bytes sent by this node (server downloads, client pushes), counted as `bytesIn`. */
  bytesOut = 0;
  loginFailures = 0;
  /** Milliseconds of the last database round trip, or -1 when it failed. */
  dbLatencyMs = -1;
  /** When this node last wrote its heartbeat (epoch ms). */
  lastHeartbeatAt = 0;
  /** This node's clock minus the database's at the last heartbeat (ms); undefined: not measured. */
  clockOffsetMs: number | undefined;
  /** Open SFTP sessions, set by the SFTP service. */
  sessions: () => number = () => 0;
}

export interface MetricsSnapshot {
  node: string;
  transfersByStatus: Record<string, number>;
  runningHere: { server: number; client: number };
  /** Statements sent to the database by this node so far (before this scrape's own). */
  dbStatements: number;
  now: number;
}

function line(name: string, labels: Record<string, string>, value: number): string {
  const l = Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`)
    .join(',');
  return `${name}${l === '' ? '' : `{${l}}`} ${Number.isFinite(value) ? value : 0}`;
}

export function renderMetrics(m: Metrics, s: MetricsSnapshot): string {
  const node = { node: s.node };
  const out: string[] = [
    '# HELP waarp_transfers Transfers of the gateway (all nodes) by status.',
    '# TYPE waarp_transfers gauge',
    ...Object.entries(s.transfersByStatus).map(([status, n]) =>
      line('waarp_transfers', { ...node, status }, n),
    ),
    '# HELP waarp_transfers_running_here Transfers this node is running, by side.',
    '# TYPE waarp_transfers_running_here gauge',
    line('waarp_transfers_running_here', { ...node, side: 'server' }, s.runningHere.server),
    line('waarp_transfers_running_here', { ...node, side: 'client' }, s.runningHere.client),
    '# HELP waarp_bytes_total Bytes moved by this node.',
    '# TYPE waarp_bytes_total counter',
    line('waarp_bytes_total', { ...node, direction: 'in' }, m.bytesIn),
    line('waarp_bytes_total', { ...node, direction: 'out' }, m.bytesOut),
    '# HELP waarp_sftp_sessions Open SFTP sessions on this node.',
    '# TYPE waarp_sftp_sessions gauge',
    line('waarp_sftp_sessions', node, m.sessions()),
    '# HELP waarp_login_failures_total Failed logins seen by this node.',
    '# TYPE waarp_login_failures_total counter',
    line('waarp_login_failures_total', node, m.loginFailures),
    '# HELP waarp_heartbeat_age_seconds Time since this node last recorded its heartbeat.',
    '# TYPE waarp_heartbeat_age_seconds gauge',
    line(
      'waarp_heartbeat_age_seconds',
      node,
      m.lastHeartbeatAt === 0 ? -1 : (s.now - m.lastHeartbeatAt) / 1000,
    ),
    "# HELP waarp_clock_offset_seconds This node's clock minus the database's (the cluster clock), at the last heartbeat.",
    '# TYPE waarp_clock_offset_seconds gauge',
    ...(m.clockOffsetMs === undefined
      ? []
      : [line('waarp_clock_offset_seconds', node, m.clockOffsetMs / 1000)]),
    '# HELP waarp_db_latency_seconds Duration of the last database round trip (-1: failed).',
    '# TYPE waarp_db_latency_seconds gauge',
    line('waarp_db_latency_seconds', node, m.dbLatencyMs < 0 ? -1 : m.dbLatencyMs / 1000),
    '# HELP waarp_db_statements_total Statements this node sent to the database (BEGIN and COMMIT included).',
    '# TYPE waarp_db_statements_total counter',
    line('waarp_db_statements_total', node, s.dbStatements),
  ];
  return out.join('\n') + '\n';
}
