/**
 * Who the CLI logs in as. The user comes from `-u/--user` or from the address
 * (`http://admin@host:8080`); the password from the address, else WAARP_GATEWAY_PASSWORD, else a
 * prompt on the terminal that does not echo. So a password holding `@ : / # %` never has to be
 * percent-encoded into a URL, and never has to appear on a command line.
 */
import { usageError } from './exit-codes.js';

export const passwordEnv = 'WAARP_GATEWAY_PASSWORD';

export interface Login {
  user: string;
  password: string;
}

export interface LoginSources {
  /** `-u/--user`. */
  user: string | undefined;
  /** Credentials written in the address (decoded), if any. */
  address: { user: string | undefined; password: string | undefined };
  env: NodeJS.ProcessEnv;
  /** Asks for the password without echo; undefined when there is no terminal to ask on. */
  ask: ((question: string) => Promise<string>) | undefined;
}

export async function resolveLogin(base: string, src: LoginSources): Promise<Login> {
  const user = src.user ?? src.address.user;
  if (user === undefined || user === '') {
    throw usageError(
      `no user to log in as: give -u USER (or write it in the address: http://USER@host:port)`,
    );
  }
  // The address's password belongs to the address's user only.
  if (src.address.password !== undefined && src.address.user === user)
    return { user, password: src.address.password };
  const fromEnv = src.env[passwordEnv];
  if (fromEnv !== undefined && fromEnv !== '') return { user, password: fromEnv };
  if (src.ask === undefined) {
    throw usageError(
      `no password for "${user}": set ${passwordEnv}, or run from a terminal to be asked for it`,
    );
  }
  return { user, password: await src.ask(`Password of ${user} at ${base}: `) };
}

/** Reads one line from a terminal in raw mode, echoing nothing; Ctrl-C or Ctrl-D give up. */
export function askHidden(
  question: string,
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Promise<string> {
  // Echo goes off before the prompt shows: a password typed or pasted as soon as the prompt
  // appears must never reach the screen (it did on a busy machine).
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  output.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish();
          reject(usageError('no password given'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    input.on('data', onData);
  });
}
