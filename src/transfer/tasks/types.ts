/**
 * What a task sees of its transfer, and the shape every task type implements. Independent of
 * any protocol: the SFTP server and the client-transfer engine build a TaskState and run chains.
 */
import type { Logger } from '../../log.js';
import type { TransferErrorCode } from '../../model/transfer-state.js';

export interface TaskState {
  readonly transferId: number;
  readonly remoteTransferId: string;
  readonly ruleName: string;
  readonly isSend: boolean;
  /** True for a transfer a partner asked of our server. */
  readonly isServer: boolean;
  /** Where the transfer's local file is now (tasks such as MOVE and RENAME change it). */
  trueFullPath: string;
  /** The file as first named: the local file sent, or the name the partner gave. */
  readonly originalFullPath: string;
  fileSize: number;
  /** The partner's address (host or IP). */
  readonly remoteHost: string;
  /** Our agent: the server's or client's name. */
  readonly localHost: string;
  /** Login of the account (requester for a server transfer). */
  readonly requester: string;
  /** Server or partner name. */
  readonly requested: string;
  /** Transfer info (`#TI_key#`); tasks may change it. */
  info: Record<string, unknown>;
  errorCode: TransferErrorCode;
  errorMsg: string;
  /** Absolute default directories (`#HOMEPATH# #INPATH# #OUTPATH# #WORKPATH#`). */
  readonly dirs: { readonly home: string; readonly in: string; readonly out: string; readonly tmp: string };
  /** Config file path and folder, exported to EXEC programs. */
  readonly configFile: string;
}

/** What a task returns: nothing (success) or a warning that lets the chain continue. */
export interface TaskOutcome {
  warning?: string;
}

export interface TaskEnv {
  readonly log: Logger;
  /** Substitution values (`TRUEFULLPATH` → …), exported to EXEC programs as variables. */
  readonly values: Readonly<Record<string, string>>;
  /**
   * Substitutes `#NAME#`s in one piece of text, for the arguments a task substitutes itself
   * (`verbatimArgs`); `wrap` turns each value into what is written.
   */
  substitute(text: string, wrap?: (value: string) => string): string;
  /** Clock for `#DATE#`-like values and timeouts. */
  now(): number;
}

/** One task type. `args` are already substituted. Throwing fails the task. */
export type TaskRunner = (
  args: Readonly<Record<string, string>>,
  state: TaskState,
  env: TaskEnv,
) => Promise<TaskOutcome>;

/** A task failure: the chain stops, the transfer fails with `code`. */
export class TaskFailure extends Error {
  constructor(
    message: string,
    readonly code: TransferErrorCode = 'TeExternalOperation',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TaskFailure';
  }
}

/** An argument the task cannot run without. */
export function requireArg(args: Readonly<Record<string, string>>, name: string, task: string): string {
  const v = args[name];
  if (v === undefined || v === '') throw new TaskFailure(`${task}: argument "${name}" is missing`);
  return v;
}
