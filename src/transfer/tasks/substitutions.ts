/**
 * The reference's `#NAME#` substitutions in task arguments (pkg/tasks/replacer.go). Unknown
 * names are left as written, so a literal `#` in an argument survives.
 */
import { basename, extname } from 'node:path';
import type { TaskState } from './types.js';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `#DATE#`: YYYYMMDD, local time, as the reference. */
export function formatDate(d: Date): string {
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}`;
}

/** `#HOUR#`: HHMMSS, local time. */
export function formatHour(d: Date): string {
  return `${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}

/**
 * `#TIMESTAMP(format)#`: the tokens YYYY, MM, DD, HH, mm, ss, SSS; anything else is copied.
 * Default format `YYYY-MM-DD_HHmmss`.
 */
export function formatTimestamp(d: Date, format = 'YYYY-MM-DD_HHmmss'): string {
  const tokens: Record<string, string> = {
    YYYY: String(d.getFullYear()),
    MM: pad(d.getMonth() + 1),
    DD: pad(d.getDate()),
    HH: pad(d.getHours()),
    mm: pad(d.getMinutes()),
    ss: pad(d.getSeconds()),
    SSS: pad(d.getMilliseconds(), 3),
  };
  return format.replace(/YYYY|SSS|MM|DD|HH|mm|ss/g, (t) => tokens[t] ?? t);
}

function infoText(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Every plain substitution value of a transfer (name without the `#`). */
export function substitutionValues(state: TaskState, now: Date): Record<string, string> {
  const trueName = basename(state.trueFullPath);
  const ext = extname(trueName);
  const values: Record<string, string> = {
    TRUEFULLPATH: state.trueFullPath,
    TRUEFILENAME: trueName,
    BASEFILENAME: ext === '' ? trueName : trueName.slice(0, -ext.length),
    FILEEXTENSION: ext,
    ORIGINALFULLPATH: state.originalFullPath,
    ORIGINALFILENAME: basename(state.originalFullPath),
    FILESIZE: String(state.fileSize),
    HOMEPATH: state.dirs.home,
    INPATH: state.dirs.in,
    OUTPATH: state.dirs.out,
    WORKPATH: state.dirs.tmp,
    RULE: state.ruleName,
    DATE: formatDate(now),
    HOUR: formatHour(now),
    REMOTEHOST: state.remoteHost,
    LOCALHOST: state.localHost,
    TRANSFERID: String(state.transferId),
    FULLTRANSFERID: state.isServer
      ? `${state.transferId}_${state.requester}_${state.localHost}`
      : `${state.transferId}_${state.localHost}_${state.requested}`,
    REQUESTERHOST: state.isServer ? state.requester : state.localHost,
    REQUESTEDHOST: state.isServer ? state.localHost : state.requested,
    ERRORMSG: state.errorMsg,
    ERRORCODE: state.errorCode,
    ERRORSTRCODE: state.errorMsg,
  };
  for (const [key, v] of Object.entries(state.info)) values[`TI_${key}`] = infoText(v);
  return values;
}

/**
 * Replaces every known `#NAME#`, `#TI_key#` and `#TIMESTAMP(format)#` in `text`. `wrap` turns each
 * value into what is written (a shell script quotes it).
 */
export function substitute(
  text: string,
  values: Readonly<Record<string, string>>,
  now: Date,
  wrap: (value: string) => string = (v) => v,
): string {
  return text.replace(/#([A-Za-z0-9_]+(?:\([^#)]*\))?)#/g, (whole, name: string) => {
    const ts = /^TIMESTAMP(?:\(([^)]*)\))?$/.exec(name);
    if (ts !== null)
      return wrap(formatTimestamp(now, ts[1] === undefined || ts[1] === '' ? undefined : ts[1]));
    return Object.hasOwn(values, name) ? wrap(values[name] ?? '') : whole;
  });
}

/** Substitutes every argument value of a task, except the `verbatim` ones (the task does it). */
export function substituteArgs(
  args: Readonly<Record<string, string>>,
  values: Readonly<Record<string, string>>,
  now: Date,
  verbatim: readonly string[] = [],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(args)) {
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    out[k] = verbatim.includes(k) ? text : substitute(text, values, now);
  }
  return out;
}
