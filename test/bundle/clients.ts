/**
 * Client containers on the bundle's compose network, each with its own address: partners as
 * the nodes see them when HAProxy relays their address. They run Debian's OpenSSH client (the
 * partner image has it) and speak HTTP with bash's /dev/tcp (no curl in that image).
 */
import { execFile } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { docker } from '../support/compose.js';

export interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

export class ClientContainer {
  private constructor(
    readonly name: string,
    /** Its address on the compose network. */
    readonly ip: string,
  ) {}

  /**
   * Starts `name` (idle) on `network` from `image`, with the host folder `work` at /work: the
   * askpass script (see writeAskpass) and the files it puts.
   */
  static async start(name: string, network: string, image: string, work: string): Promise<ClientContainer> {
    await docker([
      'run',
      '-d',
      '--name',
      name,
      '--network',
      network,
      '-v',
      `${work}:/work:ro`,
      '--entrypoint',
      'sleep',
      image,
      'infinity',
    ]);
    const { stdout } = await docker([
      'inspect',
      '--format',
      `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`,
      name,
    ]);
    return new ClientContainer(name, stdout.trim());
  }

  /** Runs a command in the container; never rejects on a non-zero exit. */
  exec(command: string[], env: Record<string, string> = {}): Promise<Exec> {
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    return new Promise((resolve) => {
      execFile(
        'docker',
        ['exec', ...envArgs, this.name, ...command],
        { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  /**
   * OpenSSH's sftp to `host:port` as `user` with a password (one prompt: one failed login per
   * connection), running the batch `commands`.
   */
  sftp(host: string, port: number, user: string, password: string, commands: string): Promise<Exec> {
    return this.exec(
      [
        'sh',
        '-c',
        // sftp turns -b into BatchMode=yes for ssh, where -b stands; ssh keeps the first value
        // it reads, so BatchMode=no (password prompts, answered by askpass) must come before.
        'printf "%s\\n" "$BATCH" > /tmp/batch && exec sftp -P "$PORT" ' +
          '-o BatchMode=no -o NumberOfPasswordPrompts=1 -o PubkeyAuthentication=no ' +
          '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 ' +
          '-b /tmp/batch "$TARGET"',
      ],
      {
        BATCH: commands,
        PORT: String(port),
        TARGET: `${user}@${host}`,
        PASSWORD: password,
        SSH_ASKPASS: '/work/askpass',
        SSH_ASKPASS_REQUIRE: 'force',
        DISPLAY: 'none',
      },
    );
  }

  /** One HTTP/1.0 GET with Basic credentials and extra headers; resolves with the status code. */
  async httpGet(
    host: string,
    port: number,
    path: string,
    auth: string,
    headers: Record<string, string> = {},
  ): Promise<number> {
    const lines = [
      `GET ${path} HTTP/1.0`,
      `Host: ${host}:${port}`,
      `Authorization: Basic ${Buffer.from(auth).toString('base64')}`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      '',
      '',
    ].join('\r\n');
    const r = await this.exec(
      ['bash', '-c', 'exec 3<>"/dev/tcp/$HOST/$PORT" && printf "%s" "$REQUEST" >&3 && head -n 1 <&3'],
      { HOST: host, PORT: String(port), REQUEST: lines },
    );
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(r.stdout);
    if (status?.[1] === undefined)
      throw new Error(`no HTTP answer from ${host}:${port}: ${r.stdout}${r.stderr}`);
    return Number(status[1]);
  }

  async remove(): Promise<void> {
    await docker(['rm', '-f', this.name]).catch(() => undefined);
  }
}

/** The askpass script the clients' OpenSSH reads their password from ($PASSWORD). */
export function writeAskpass(work: string): void {
  const file = join(work, 'askpass');
  writeFileSync(file, '#!/bin/sh\nprintf "%s\\n" "$PASSWORD"\n');
  chmodSync(file, 0o755);
}
