/**
 * What the `rules:w` and `servers:w` rights do not cover on their own, because it acts on the
 * host rather than on the gateway's objects:
 *
 * - running a program (EXEC, EXECMOVE, EXECOUTPUT tasks) needs `administration:w`, unless the
 *   program is one the operator listed in `[security] AllowedPrograms`;
 * - a folder outside GatewayHome (a rule's or server's folder, a file task's destination) needs
 *   `administration:w`, unless it is inside one of `[security] AllowedDirectories`;
 * - no folder may hold the gateway's own files (key, database, configuration), whoever asks:
 *   a 400 naming the field (src/config/gateway-files.ts).
 *
 * Only what a request changes is checked: a `rules:w` user may edit the comment of a rule an
 * administrator gave an EXEC task, not the task.
 */
import { isAbsolute, normalize, resolve } from 'node:path';
import type { GatewayConfig } from '../config/types.js';
import { exposedFile, exposureReason, gatewayFiles, withRealLocations } from '../config/gateway-files.js';
import type { TaskSpec, User } from '../model/entities.js';
import { hasPermission } from '../model/permissions.js';
import { isInside } from '../transfer/paths.js';
import { badRequest, forbidden } from './errors.js';

/** Task types that run a program. */
const execTaskTypes: readonly string[] = ['EXEC', 'EXECMOVE', 'EXECOUTPUT'];
/** Task types whose `path` argument is a destination on this host. */
const fileTaskTypes: readonly string[] = ['COPY', 'COPYRENAME', 'MOVE', 'MOVERENAME', 'RENAME'];

const needsAdmin = 'needs the "write" permission on "administration"';

/** One folder field of a request: its name, its value, and what a relative value is taken from. */
export interface FolderField {
  readonly field: string;
  readonly value: string;
  /** Absolute folder a relative value resolves against (GatewayHome, or a server's root). */
  readonly base: string;
  /**
   * Where partners' files are listed, read and written (false for a server's root, which only
   * holds those folders): it must not hold the gateway's own files. Default true.
   */
  readonly served?: boolean;
  /** A relative value under a server's root, itself checked when it was set. */
  readonly underRoot?: boolean;
}

export class PrivilegeCheck {
  readonly #admin: boolean;
  readonly #files: string[];

  constructor(
    private readonly config: GatewayConfig,
    user: User,
  ) {
    this.#admin = hasPermission(user.permissions, 'administration', 'w');
    this.#files = withRealLocations(gatewayFiles(config));
  }

  /** Checks folder fields: none may expose the gateway's files, one outside GatewayHome needs the right. */
  folders(fields: readonly FolderField[]): void {
    for (const f of fields) {
      if (f.value === '') continue;
      const relative = !isAbsolute(f.value);
      if (relative && normalize(f.value).split('/')[0] === '..') {
        throw badRequest(`field "${f.field}": a relative folder must not climb out of its base with ".."`);
      }
      const dir = resolve(f.base, f.value);
      const exposed = f.served === false ? undefined : exposedFile(dir, this.#files);
      if (exposed !== undefined) throw badRequest(`field "${f.field}": ${exposureReason(dir, exposed)}`);
      if (!(relative && f.underRoot === true)) this.#outsideHome(f.field, dir);
    }
  }

  /** Checks the tasks of `next` that are not, identical, among `previous`. */
  tasks(chains: Record<string, readonly TaskSpec[]>, previous: readonly TaskSpec[] = []): void {
    const known = new Set(previous.map(taskKey));
    for (const [chain, tasks] of Object.entries(chains)) {
      tasks.forEach((t, i) => {
        if (known.has(taskKey(t))) return;
        const field = `${chain}[${i}].args.path`;
        const path = t.args.path ?? '';
        if (execTaskTypes.includes(t.type)) this.#program(field, path);
        else if (fileTaskTypes.includes(t.type)) this.#destination(field, path);
      });
    }
  }

  #program(field: string, program: string): void {
    if (this.#admin) return;
    const listed = isAbsolute(program) && this.config.security.allowedPrograms.includes(resolve(program));
    if (!listed) {
      throw forbidden(
        `field "${field}": running the program "${program}" ${needsAdmin} ` +
          `(or the program in [security] AllowedPrograms)`,
      );
    }
  }

  /** A file task's destination: substitutions of folders replaced by the configured ones. */
  #destination(field: string, path: string): void {
    const { paths } = this.config;
    const known: Record<string, string> = {
      HOMEPATH: paths.gatewayHome,
      INPATH: paths.defaultInDir,
      OUTPATH: paths.defaultOutDir,
      WORKPATH: paths.defaultTmpDir,
    };
    let opaque = false;
    const text = path.replace(/#([A-Za-z0-9_]+(?:\([^#)]*\))?)#/g, (_, name: string) => {
      const folder = known[name];
      if (folder !== undefined) return folder;
      // A file name, date or id cannot move the folder; a full path, transfer info or a date
      // format with "/" or "." can.
      const format = /\((.*)\)$/.exec(name)?.[1] ?? '';
      if (!nameOnly.has(name.replace(/\(.*$/, '')) || /[/.]/.test(format)) opaque = true;
      return 'x';
    });
    if (opaque) {
      if (this.#admin) return;
      throw forbidden(`field "${field}": a destination made of transfer values ("${path}") ${needsAdmin}`);
    }
    const dir = isAbsolute(text) ? resolve(text) : resolve(paths.gatewayHome, text);
    const exposed = exposedFile(dir, this.#files);
    if (exposed !== undefined) throw badRequest(`field "${field}": ${exposureReason(dir, exposed)}`);
    this.#outsideHome(field, dir);
  }

  #outsideHome(field: string, dir: string): void {
    if (this.#admin || isInside(resolve(this.config.paths.gatewayHome), dir)) return;
    if (this.config.security.allowedDirectories.some((allowed) => isInside(allowed, dir))) return;
    throw forbidden(
      `field "${field}": the folder ${dir} is outside GatewayHome: it ${needsAdmin} ` +
        `(or a folder of [security] AllowedDirectories)`,
    );
  }
}

/** Substitutions that stand for one path segment (never a `/`), so a checked folder stays checked. */
const nameOnly = new Set([
  'TRUEFILENAME',
  'ORIGINALFILENAME',
  'BASEFILENAME',
  'FILEEXTENSION',
  'FILESIZE',
  'RULE',
  'DATE',
  'HOUR',
  'TIMESTAMP',
  'REMOTEHOST',
  'LOCALHOST',
  'TRANSFERID',
  'FULLTRANSFERID',
  'REQUESTERHOST',
  'REQUESTEDHOST',
  'ERRORCODE',
]);

const taskKey = (t: TaskSpec): string =>
  JSON.stringify([t.type.toUpperCase(), Object.entries(t.args).sort()]);
