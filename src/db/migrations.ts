/**
 * The schema, as a numbered, append-only list of migrations. Never edit a released entry:
 * add a new one.
 *
 * Upgrade rule (rolling upgrades without downtime): a migration is `additive` when a node
 * built for the previous schema keeps working against the new one — new tables, new
 * nullable or defaulted columns, new indexes. A node refuses to start only when the
 * database has a migration it does not know AND that migration is not additive.
 *
 * DDL is written once with a few type tokens rendered per dialect, so both dialects stay
 * side by side and cannot drift apart.
 */
import type { Dialect } from './sql.js';

export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly additive: boolean;
  /** Statements, with type tokens (see `renderDdl`). */
  readonly up: readonly string[];
}

const tokens: Record<Dialect, Record<string, string>> = {
  sqlite: {
    pk: 'INTEGER PRIMARY KEY AUTOINCREMENT',
    name: 'TEXT',
    text: 'TEXT',
    int: 'INTEGER',
    bool: 'INTEGER',
    real: 'REAL',
    table: '',
  },
  mysql: {
    pk: 'BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY',
    name: 'VARCHAR(255)',
    text: 'MEDIUMTEXT',
    int: 'BIGINT',
    bool: 'TINYINT',
    real: 'DOUBLE',
    // Binary collation: names compare exactly as on SQLite.
    table: ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
  },
};

export function renderDdl(sql: string, dialect: Dialect): string {
  return sql.replace(/\{(\w+)\}/g, (whole, token: string) => tokens[dialect][token] ?? whole);
}

export const migrations: readonly Migration[] = [
  {
    id: 1,
    name: 'initial schema',
    additive: false,
    up: [
      `CREATE TABLE nodes (
        owner {name} NOT NULL,
        name {name} NOT NULL,
        state {name} NOT NULL,
        version {name} NOT NULL,
        schema_version {int} NOT NULL,
        host {name} NOT NULL,
        pid {int} NOT NULL,
        incarnation {name} NOT NULL,
        admin_address {name} NOT NULL,
        started_at {int} NOT NULL,
        heartbeat_at {int} NOT NULL,
        PRIMARY KEY (owner, name)
      ){table}`,
      `CREATE TABLE settings (
        owner {name} NOT NULL,
        name {name} NOT NULL,
        value {text} NOT NULL,
        PRIMARY KEY (owner, name)
      ){table}`,
      `CREATE TABLE users (
        id {pk},
        owner {name} NOT NULL,
        username {name} NOT NULL,
        password_hash {text} NOT NULL,
        permissions {int} NOT NULL,
        UNIQUE (owner, username)
      ){table}`,
      `CREATE TABLE local_agents (
        id {pk},
        owner {name} NOT NULL,
        name {name} NOT NULL,
        protocol {name} NOT NULL,
        address {name} NOT NULL,
        enabled {bool} NOT NULL,
        root_dir {text} NOT NULL,
        receive_dir {text} NOT NULL,
        send_dir {text} NOT NULL,
        tmp_receive_dir {text} NOT NULL,
        proto_config {text} NOT NULL,
        revision {int} NOT NULL,
        UNIQUE (owner, name)
      ){table}`,
      `CREATE TABLE local_accounts (
        id {pk},
        local_agent_id {int} NOT NULL,
        login {name} NOT NULL,
        password_hash {text},
        ip_addresses {text} NOT NULL,
        UNIQUE (local_agent_id, login),
        FOREIGN KEY (local_agent_id) REFERENCES local_agents (id) ON DELETE CASCADE
      ){table}`,
      `CREATE TABLE remote_agents (
        id {pk},
        owner {name} NOT NULL,
        name {name} NOT NULL,
        protocol {name} NOT NULL,
        address {name} NOT NULL,
        proto_config {text} NOT NULL,
        UNIQUE (owner, name)
      ){table}`,
      `CREATE TABLE remote_accounts (
        id {pk},
        remote_agent_id {int} NOT NULL,
        login {name} NOT NULL,
        UNIQUE (remote_agent_id, login),
        FOREIGN KEY (remote_agent_id) REFERENCES remote_agents (id) ON DELETE CASCADE
      ){table}`,
      `CREATE TABLE clients (
        id {pk},
        owner {name} NOT NULL,
        name {name} NOT NULL,
        protocol {name} NOT NULL,
        local_address {name} NOT NULL,
        enabled {bool} NOT NULL,
        nb_of_attempts {int} NOT NULL,
        first_retry_delay {int} NOT NULL,
        retry_increment_factor {real} NOT NULL,
        proto_config {text} NOT NULL,
        UNIQUE (owner, name)
      ){table}`,
      `CREATE TABLE rules (
        id {pk},
        name {name} NOT NULL,
        is_send {bool} NOT NULL,
        comment {text} NOT NULL,
        path {name} NOT NULL,
        local_dir {text} NOT NULL,
        remote_dir {text} NOT NULL,
        tmp_local_rcv_dir {text} NOT NULL,
        UNIQUE (name, is_send),
        UNIQUE (path, is_send)
      ){table}`,
      `CREATE TABLE tasks (
        rule_id {int} NOT NULL,
        chain {name} NOT NULL,
        task_rank {int} NOT NULL,
        type {name} NOT NULL,
        args {text} NOT NULL,
        PRIMARY KEY (rule_id, chain, task_rank),
        FOREIGN KEY (rule_id) REFERENCES rules (id) ON DELETE CASCADE
      ){table}`,
      `CREATE TABLE rule_access (
        id {pk},
        rule_id {int} NOT NULL,
        local_agent_id {int},
        remote_agent_id {int},
        local_account_id {int},
        remote_account_id {int},
        FOREIGN KEY (rule_id) REFERENCES rules (id) ON DELETE CASCADE,
        FOREIGN KEY (local_agent_id) REFERENCES local_agents (id) ON DELETE CASCADE,
        FOREIGN KEY (remote_agent_id) REFERENCES remote_agents (id) ON DELETE CASCADE,
        FOREIGN KEY (local_account_id) REFERENCES local_accounts (id) ON DELETE CASCADE,
        FOREIGN KEY (remote_account_id) REFERENCES remote_accounts (id) ON DELETE CASCADE
      ){table}`,
      `CREATE TABLE credentials (
        id {pk},
        owner_key {name} NOT NULL,
        name {name} NOT NULL,
        type {name} NOT NULL,
        value {text} NOT NULL,
        value2 {text} NOT NULL,
        local_agent_id {int},
        remote_agent_id {int},
        local_account_id {int},
        remote_account_id {int},
        UNIQUE (owner_key, name),
        FOREIGN KEY (local_agent_id) REFERENCES local_agents (id) ON DELETE CASCADE,
        FOREIGN KEY (remote_agent_id) REFERENCES remote_agents (id) ON DELETE CASCADE,
        FOREIGN KEY (local_account_id) REFERENCES local_accounts (id) ON DELETE CASCADE,
        FOREIGN KEY (remote_account_id) REFERENCES remote_accounts (id) ON DELETE CASCADE
      ){table}`,
      `CREATE TABLE transfers (
        id {pk},
        owner {name} NOT NULL,
        remote_transfer_id {name} NOT NULL,
        rule_id {int} NOT NULL,
        client_id {int},
        local_account_id {int},
        remote_account_id {int},
        src_filename {text} NOT NULL,
        dest_filename {text} NOT NULL,
        local_path {text} NOT NULL,
        remote_path {text} NOT NULL,
        filesize {int} NOT NULL,
        start {int} NOT NULL,
        stop {int},
        status {name} NOT NULL,
        step {name} NOT NULL,
        progress {int} NOT NULL,
        task_number {int} NOT NULL,
        error_code {name} NOT NULL,
        error_details {text} NOT NULL,
        remaining_tries {int} NOT NULL,
        next_retry_delay {int} NOT NULL,
        retry_increment_factor {real} NOT NULL,
        next_retry {int},
        node {name},
        lease_expires_at {int},
        requested_action {name},
        info {text} NOT NULL,
        FOREIGN KEY (rule_id) REFERENCES rules (id),
        FOREIGN KEY (client_id) REFERENCES clients (id),
        FOREIGN KEY (local_account_id) REFERENCES local_accounts (id),
        FOREIGN KEY (remote_account_id) REFERENCES remote_accounts (id)
      ){table}`,
      `CREATE INDEX transfers_due ON transfers (owner, status, next_retry)`,
      `CREATE INDEX transfers_node ON transfers (node, status)`,
      `CREATE TABLE transfer_history (
        id {int} NOT NULL PRIMARY KEY,
        owner {name} NOT NULL,
        remote_transfer_id {name} NOT NULL,
        is_server {bool} NOT NULL,
        is_send {bool} NOT NULL,
        account {name} NOT NULL,
        agent {name} NOT NULL,
        client {name} NOT NULL,
        protocol {name} NOT NULL,
        rule {name} NOT NULL,
        src_filename {text} NOT NULL,
        dest_filename {text} NOT NULL,
        local_path {text} NOT NULL,
        remote_path {text} NOT NULL,
        filesize {int} NOT NULL,
        start {int} NOT NULL,
        stop {int} NOT NULL,
        status {name} NOT NULL,
        step {name} NOT NULL,
        progress {int} NOT NULL,
        task_number {int} NOT NULL,
        error_code {name} NOT NULL,
        error_details {text} NOT NULL,
        node {name},
        info {text} NOT NULL
      ){table}`,
      `CREATE INDEX history_owner_start ON transfer_history (owner, start)`,
      // Live transfers and history in one shape, as the reference's normalized_transfers view:
      // the REST API lists and filters both at once.
      `CREATE VIEW normalized_transfers AS
        SELECT t.id, t.owner, t.remote_transfer_id, CASE WHEN t.local_account_id IS NULL THEN 0 ELSE 1 END AS is_server,
          r.is_send, COALESCE(la.login, ra.login, '') AS account, COALESCE(s.name, p.name, '') AS agent,
          COALESCE(c.name, '') AS client, COALESCE(s.protocol, p.protocol, '') AS protocol, r.name AS rule,
          t.src_filename, t.dest_filename, t.local_path, t.remote_path, t.filesize, t.start, t.stop, t.status,
          t.step, t.progress, t.task_number, t.error_code, t.error_details, t.node, t.info, t.remaining_tries,
          t.next_retry_delay, t.retry_increment_factor, t.next_retry, 0 AS is_history
        FROM transfers t
          JOIN rules r ON r.id = t.rule_id
          LEFT JOIN local_accounts la ON la.id = t.local_account_id
          LEFT JOIN local_agents s ON s.id = la.local_agent_id
          LEFT JOIN remote_accounts ra ON ra.id = t.remote_account_id
          LEFT JOIN remote_agents p ON p.id = ra.remote_agent_id
          LEFT JOIN clients c ON c.id = t.client_id
        UNION ALL
        SELECT h.id, h.owner, h.remote_transfer_id, h.is_server, h.is_send, h.account, h.agent, h.client,
          h.protocol, h.rule, h.src_filename, h.dest_filename, h.local_path, h.remote_path, h.filesize, h.start,
          h.stop, h.status, h.step, h.progress, h.task_number, h.error_code, h.error_details, h.node, h.info,
          0, 0, 1, NULL, 1
        FROM transfer_history h`,
    ],
  },
  {
    id: 2,
    name: 'login failures and bans (brute-force defence)',
    additive: true,
    up: [
      `CREATE TABLE login_failures (
        owner {name} NOT NULL,
        source {name} NOT NULL,
        failures {int} NOT NULL,
        window_start {int} NOT NULL,
        banned_until {int},
        last_protocol {name} NOT NULL,
        PRIMARY KEY (owner, source)
      ){table}`,
    ],
  },
  {
    id: 3,
    name: 'partner isolation, what partners may change, audit of tree changes',
    additive: true,
    up: [
      // Rules that existed before keep the old behaviour: every account of the rule sees every
      // file of its receive folder. New rules isolate accounts (the column's default).
      `ALTER TABLE rules ADD COLUMN shared_folder {bool} NOT NULL DEFAULT 0`,
      `UPDATE rules SET shared_folder = 1`,
      // NULL: the direction's default (see model/tree-changes.ts).
      `ALTER TABLE rules ADD COLUMN partner_changes {text}`,
      // Who owns what in an isolated receive folder, keyed by the SHA-256 of the real path
      // (a path is too long for an index on MySQL).
      `CREATE TABLE partner_files (
        owner {name} NOT NULL,
        path_key {name} NOT NULL,
        dir_key {name} NOT NULL,
        name {text} NOT NULL,
        local_account_id {int} NOT NULL,
        is_dir {bool} NOT NULL,
        transfer_id {int},
        created_at {int} NOT NULL,
        PRIMARY KEY (owner, path_key),
        FOREIGN KEY (local_account_id) REFERENCES local_accounts (id) ON DELETE CASCADE
      ){table}`,
      `CREATE INDEX partner_files_dir ON partner_files (owner, dir_key)`,
      `CREATE TABLE audit_log (
        id {pk},
        owner {name} NOT NULL,
        at {int} NOT NULL,
        node {name} NOT NULL,
        protocol {name} NOT NULL,
        server {name} NOT NULL,
        account {name} NOT NULL,
        remote_address {name} NOT NULL,
        rule {name} NOT NULL,
        is_send {bool} NOT NULL,
        operation {name} NOT NULL,
        path {text} NOT NULL,
        target {text} NOT NULL,
        local_path {text} NOT NULL,
        result {name} NOT NULL,
        reason {text} NOT NULL,
        details {text} NOT NULL
      ){table}`,
      `CREATE INDEX audit_owner_at ON audit_log (owner, at)`,
    ],
  },
  {
    id: 4,
    // login_failures (2) counted SFTP and REST together: guessing on one banned the other. It
    // stays for nodes of the previous version during a rolling upgrade; nothing reads it now.
    name: 'login failures counted per address and protocol',
    additive: true,
    up: [
      `CREATE TABLE login_failures_by_protocol (
        owner {name} NOT NULL,
        source {name} NOT NULL,
        protocol {name} NOT NULL,
        failures {int} NOT NULL,
        window_start {int} NOT NULL,
        banned_until {int},
        PRIMARY KEY (owner, source, protocol)
      ){table}`,
      // Bans in force keep their end, under the protocol that caused them.
      `INSERT INTO login_failures_by_protocol (owner, source, protocol, failures, window_start, banned_until)
        SELECT owner, source, last_protocol, failures, window_start, banned_until
        FROM login_failures WHERE banned_until IS NOT NULL`,
    ],
  },
  {
    id: 5,
    name: 'clock offset of each node against the database (issue #20)',
    additive: true,
    up: [`ALTER TABLE nodes ADD COLUMN clock_offset_ms {int}`],
  },
  {
    id: 6,
    name: 'web console: sessions, TOTP secrets, node history of transfers',
    additive: true,
    up: [
      // A console session: the cookie holds a random token, the table only its SHA-256, so a
      // copy of the table opens no session. Any node serves any request (no sticky sessions).
      `CREATE TABLE webui_sessions (
        id {name} NOT NULL PRIMARY KEY,
        owner {name} NOT NULL,
        user_id {int} NOT NULL,
        csrf_token {name} NOT NULL,
        stage {name} NOT NULL,
        password_stamp {name} NOT NULL,
        created_at {int} NOT NULL,
        last_seen_at {int} NOT NULL,
        expires_at {int} NOT NULL,
        client_address {name} NOT NULL,
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
      ){table}`,
      `CREATE INDEX webui_sessions_user ON webui_sessions (owner, user_id)`,
      `CREATE INDEX webui_sessions_expiry ON webui_sessions (owner, expires_at)`,
      // The TOTP secret of a user (RFC 6238), encrypted with the AES key file like other secrets.
      `CREATE TABLE webui_totp (
        user_id {int} NOT NULL PRIMARY KEY,
        secret {text} NOT NULL,
        enabled {bool} NOT NULL,
        last_step {int} NOT NULL,
        created_at {int} NOT NULL,
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
      ){table}`,
      // Which node took a transfer, when, and how (started, claimed, resumed, lost its lease):
      // the node history of the console's transfer page. Live and finished transfers alike.
      `CREATE TABLE transfer_nodes (
        id {pk},
        owner {name} NOT NULL,
        transfer_id {int} NOT NULL,
        node {name} NOT NULL,
        event {name} NOT NULL,
        at {int} NOT NULL
      ){table}`,
      `CREATE INDEX transfer_nodes_transfer ON transfer_nodes (owner, transfer_id)`,
    ],
  },
];

export const latestSchemaVersion: number = migrations[migrations.length - 1]?.id ?? 0;
