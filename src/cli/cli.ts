/**
 * `waarp-gateway`: the command-line client of the admin API, with the reference's command
 * tree. Global options come before the command (after it, `-a` is e.g. a server's address):
 *
 *   waarp-gateway -a http://localhost:8080 -u admin server list      (asks for the password)
 *   WAARP_GATEWAY_ADDRESS=… waarp-gateway --format json transfer get 12
 */
import type { ApiClient } from './client.js';
import { createClient, parseAddress } from './client.js';
import { accountCommand } from './commands/account.js';
import { auditCommand } from './commands/audit.js';
import { banCommand } from './commands/ban.js';
import { clientCommand } from './commands/client.js';
import { clusterCommand, overrideCommand, statusCommand, versionCommand } from './commands/misc.js';
import { partnerCommand } from './commands/partner.js';
import { ruleCommand } from './commands/rule.js';
import { serverCommand } from './commands/server.js';
import { historyCommand, transferCommand } from './commands/transfer.js';
import { userCommand } from './commands/user.js';
import { CliError, CliExit, usageError } from './exit-codes.js';
import { askHidden, passwordEnv, resolveLogin } from './login.js';
import type { Format } from './output.js';
import { createOutput } from './output.js';
import type { Group } from './tree.js';
import { group, helpText, resolve } from './tree.js';

export const root: Group = group({
  name: 'waarp-gateway',
  summary:
    'Administers a Waarp Gateway through its REST API.\n\n' +
    'global options (before the command):\n' +
    '  -a, --address URL     the admin API, http[s]://host:port (or env WAARP_GATEWAY_ADDRESS); it may\n' +
    '                        hold USER[:PASSWORD]@ before the host, with @ : / # ? % percent-encoded\n' +
    `  -u, --user USER       log in as USER; the password is taken from env ${passwordEnv},\n` +
    '                        else asked on the terminal (not echoed)\n' +
    '      --insecure        do not verify the TLS certificate (or env WAARP_GATEWAY_INSECURE=1)\n' +
    '      --format FORMAT   human (default) or json\n' +
    '  -h, --help            help of any command',
  children: [
    statusCommand,
    serverCommand,
    clientCommand,
    partnerCommand,
    accountCommand,
    ruleCommand,
    transferCommand,
    historyCommand,
    auditCommand,
    userCommand,
    overrideCommand,
    clusterCommand,
    banCommand,
    versionCommand,
  ],
});

interface Globals {
  address: string | undefined;
  user: string | undefined;
  insecure: boolean;
  format: string | undefined;
  help: boolean;
}

/** Takes the global options that precede the command. */
function splitGlobals(argv: readonly string[], env: NodeJS.ProcessEnv): { globals: Globals; rest: string[] } {
  const insecureEnv = (env.WAARP_GATEWAY_INSECURE ?? '').toLowerCase();
  const globals: Globals = {
    address: env.WAARP_GATEWAY_ADDRESS === '' ? undefined : env.WAARP_GATEWAY_ADDRESS,
    user: undefined,
    insecure: insecureEnv === '1' || insecureEnv === 'true',
    format: undefined,
    help: false,
  };
  let i = 0;
  const valueOf = (name: string): string => {
    const v = argv[++i];
    if (v === undefined) throw usageError(`${name} needs a value`);
    return v;
  };
  for (; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '-a' || a === '--address') globals.address = valueOf(a);
    else if (a.startsWith('--address=')) globals.address = a.slice('--address='.length);
    else if (a === '-u' || a === '--user') globals.user = valueOf(a);
    else if (a.startsWith('--user=')) globals.user = a.slice('--user='.length);
    else if (a === '--insecure' || a === '-i') globals.insecure = true;
    else if (a === '--format') globals.format = valueOf(a);
    else if (a.startsWith('--format=')) globals.format = a.slice('--format='.length);
    else if (a === '-h' || a === '--help') globals.help = true;
    else if (a.startsWith('-'))
      throw usageError(`unknown global option "${a}"\n\n${helpText(['waarp-gateway'], root)}`);
    else break;
  }
  return { globals, rest: argv.slice(i) };
}

function format(value: string | undefined): Format {
  if (value === undefined || value === 'human') return 'human';
  if (value === 'json') return 'json';
  throw usageError(`--format must be "human" or "json", got "${value}"`);
}

/** Runs one command line; returns the exit code (main() sets it). */
export async function run(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const { globals, rest } = splitGlobals(argv, env);
    if (rest.length === 0) {
      if (globals.help) {
        console.log(helpText(['waarp-gateway'], root));
        return CliExit.ok;
      }
      console.error(helpText(['waarp-gateway'], root));
      return CliExit.usage;
    }
    const resolved = resolve(root, globals.help ? [...rest, '--help'] : rest, ['waarp-gateway']);
    if (resolved.kind === 'help') {
      console.log(resolved.text);
      return CliExit.ok;
    }
    const leafFormat = resolved.values.format;
    const out = createOutput(format(typeof leafFormat === 'string' ? leafFormat : globals.format));
    let client: ApiClient | undefined;
    await resolved.leaf.run({
      params: resolved.params,
      values: resolved.values,
      out,
      client: () => {
        if (globals.address === undefined) {
          throw usageError('no gateway address: give -a http[s]://host:port or set WAARP_GATEWAY_ADDRESS');
        }
        if (client === undefined) {
          const address = parseAddress(globals.address);
          const login = (): ReturnType<typeof resolveLogin> =>
            resolveLogin(address.base, {
              user: globals.user,
              address,
              env,
              ask: process.stdin.isTTY ? (question) => askHidden(question) : undefined,
            });
          client = createClient(address.base, login, { insecure: globals.insecure });
        }
        return client;
      },
    });
    return CliExit.ok;
  } catch (err) {
    if (err instanceof CliError) {
      console.error(`error: ${err.message}`);
      return err.exitCode;
    }
    console.error(`error: ${(err as Error).message}`);
    return CliExit.failure;
  }
}
