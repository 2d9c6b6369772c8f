/** `waarp-gateway audit list`: what partners changed in their folders, done or refused. */
import type { AuditEntryOut } from '../../schema/status.js';
import type { Output } from '../output.js';
import type { Group } from '../tree.js';
import { group } from '../tree.js';
import { listLeaf } from './shared.js';

/** One line per entry: when, who, what, and why when refused. */
export function auditLine(out: Output, e: AuditEntryOut): void {
  const target = e.target === '' ? '' : ` -> ${e.target}`;
  const why = e.reason === '' ? '' : `: ${e.reason}`;
  out.line(
    `${e.time} [${e.node}] ${e.account}@${e.remoteAddress} (${e.server}, rule ${e.rule}) ` +
      `${e.operation} ${e.path}${target} ${e.result}${why}`,
  );
}

export const auditCommand: Group = group({
  name: 'audit',
  summary: "partners' changes to their folders (remove, rename, mkdir, rmdir, setstat)",
  children: [
    listLeaf<AuditEntryOut>({
      summary: 'list the audit trail, newest first',
      path: () => '/api/audit',
      filters: {
        account: { type: 'string', short: 'a', arg: 'LOGIN', multiple: true, doc: 'only this account' },
        server: { type: 'string', arg: 'NAME', multiple: true, doc: 'only this server' },
        rule: { type: 'string', short: 'r', arg: 'RULE', multiple: true, doc: 'only this rule' },
        operation: {
          type: 'string',
          short: 'p',
          arg: 'OP',
          multiple: true,
          doc: 'only mkdir, rmdir, remove, rename or setstat',
        },
        result: { type: 'string', arg: 'RESULT', multiple: true, doc: 'only done, refused or failed' },
        node: { type: 'string', arg: 'NODE', multiple: true, doc: 'only this node' },
        start: { type: 'string', arg: 'DATE', doc: 'at or after DATE (RFC 3339)' },
        stop: { type: 'string', arg: 'DATE', doc: 'at or before DATE (RFC 3339)' },
      },
      key: 'audit',
      plural: 'audit entries',
      line: auditLine,
    }),
  ],
});
