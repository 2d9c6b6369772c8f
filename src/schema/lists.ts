/**
 * Names the list routes accept in their query strings. The stores map each sort key to a
 * column (src/db/stores); a unit test checks both lists name the same keys.
 */
export const transferSortKeyNames = [
  'id',
  'start',
  'stop',
  'status',
  'rule',
  'requester',
  'requested',
] as const;
export const auditSortKeyNames = ['time', 'id'] as const;
export const auditResultNames = ['done', 'refused', 'failed'] as const;
export const cancelTargets = ['planned', 'running', 'paused', 'interrupted', 'error', 'all'] as const;
export const banProtocols = ['sftp', 'rest'] as const;
