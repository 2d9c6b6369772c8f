/**
 * The two halves of the `normalized_transfers` view (migration 1): live transfers and history
 * in one shape, names instead of ids. The transfer store reads a page from each half on its own
 * (each with its own index, see stores/transfers/paging.ts). Migration 1 keeps its own frozen
 * text (migrations are never edited); test/unit/db/migrations-frozen.test.ts checks that these
 * are its halves. A later migration that changes the view adds its own constants here.
 */

/** The live half. Its text is migration 1's, byte for byte. */
export const liveTransferRowsSql = `SELECT t.id, t.owner, t.remote_transfer_id, CASE WHEN t.local_account_id IS NULL THEN 0 ELSE 1 END AS is_server,
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
          LEFT JOIN clients c ON c.id = t.client_id`;

/** The history half (its columns named, so that it can be read alone). */
export const historyTransferRowsSql = `SELECT h.id, h.owner, h.remote_transfer_id, h.is_server, h.is_send, h.account, h.agent, h.client,
          h.protocol, h.rule, h.src_filename, h.dest_filename, h.local_path, h.remote_path, h.filesize, h.start,
          h.stop, h.status, h.step, h.progress, h.task_number, h.error_code, h.error_details, h.node, h.info,
          0 AS remaining_tries, 0 AS next_retry_delay, 1 AS retry_increment_factor, NULL AS next_retry, 1 AS is_history
        FROM transfer_history h`;
