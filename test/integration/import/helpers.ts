/**
 * For the migration tests: the reference's export fixtures made concrete (fresh keys and a free
 * port in place of their {{PLACEHOLDERS}}), gateway configurations on a test database, the
 * daemon command, and the OpenSSH sftp client logging in with a password.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../src/config/load.js';
import type { GatewayConfig } from '../../../src/config/types.js';
import type { TestDatabase } from '../../support/test-db.js';
import { generateEd25519KeyPair } from '../../../src/crypto/ssh-keygen.js';

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const fixtures = join(repoRoot, 'test/fixtures/import');

/** Original passwords of the bcrypt hashes in the fixtures (as the reference computed them). */
export const originalPasswords = {
  alice: 'alice-original-pw',
  supervisor: 'supervisor-pw',
  bob: 'bob-legacy-pw',
} as const;
export const aliceHash = '$2a$12$Zk3mPq8rVw2xYt6uNb1cLecnSVuqNfR0RLOU9jHgMiS1w9rCLCLzW';
export const supervisorHash = '$2a$12$Hq5dWs9fRt3yUp7iOa2sDeaUSujrMBj.JyUIzbtQHeE8hISjLyiOG';

export interface FixtureKeys {
  readonly HOST_PRIVATE_KEY: string;
  readonly ALICE_PUBLIC_KEY: string;
  readonly PARTNER_HOST_PUBLIC_KEY: string;
  readonly PARTNER_ACCOUNT_PRIVATE_KEY: string;
}

/** Throwaway keys, made for each run: no private key lives in the repository. */
export function makeKeys(): FixtureKeys {
  const pair = (comment: string): { private: string; public: string } => generateEd25519KeyPair(comment);
  return {
    HOST_PRIVATE_KEY: pair('host').private,
    ALICE_PUBLIC_KEY: pair('alice@laptop').public,
    PARTNER_HOST_PUBLIC_KEY: pair('bank').public,
    PARTNER_ACCOUNT_PRIVATE_KEY: pair('gateway').private,
  };
}

/** Writes fixture `name` into `dir` with the placeholders replaced; returns its path. */
export function materialize(name: string, dir: string, values: Record<string, string>): string {
  let text = readFileSync(join(fixtures, name), 'utf8');
  // Placeholders are quoted strings in both formats; a JSON string is a valid YAML scalar too.
  for (const [key, value] of Object.entries(values))
    text = text.replaceAll(`"{{${key}}}"`, JSON.stringify(value));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export function fixturePath(name: string): string {
  return join(fixtures, name);
}

/** A gatewayd.ini on `db` with GatewayHome `home`; returns its path and the loaded config. */
export function configOn(
  db: TestDatabase,
  dir: string,
  owner = 'test-gateway',
): { file: string; config: GatewayConfig } {
  const c = db.config;
  const database =
    c.type === 'sqlite'
      ? `Type = sqlite\nAddress = ${c.address}\n`
      : `Type = mysql\nAddress = ${c.address}\nName = ${c.name}\nUser = ${c.user}\nPassword = ${c.password}\n`;
  const file = join(dir, 'gatewayd.ini');
  writeFileSync(
    file,
    `[global]\nGatewayName = ${owner}\n[paths]\nGatewayHome = ${join(dir, 'home')}\n[log]\nLevel = ERROR\nLogTo = stderr\n` +
      `[database]\n${database}AESPassphrase = ${join(dir, 'home', 'passphrase.aes')}\n`,
  );
  return { file, config: loadConfig({ file, env: {} }).config };
}

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `waarp-gatewayd ARGS` with `input` on its standard input. */
export function daemon(args: readonly string[], input = ''): Promise<Run> {
  const child = spawn(process.execPath, [join(repoRoot, 'dist/src/daemon/main.js'), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, WAARP_GATEWAY_ADMIN_PASSWORD: '' },
  });
  return collect(child, input);
}

/**
 * The OpenSSH `sftp` client logging in with a password, as a partner types it: the password
 * comes from an askpass program (OpenSSH ≥ 8.4, SSH_ASKPASS_REQUIRE=force), no key is offered.
 */
export function sftpWithPassword(
  dir: string,
  port: number,
  user: string,
  password: string,
  commands: readonly string[],
): Promise<Run> {
  const askpass = join(dir, 'askpass.sh');
  writeFileSync(askpass, '#!/bin/sh\nprintf "%s\\n" "$IMPORT_TEST_SFTP_PASSWORD"\n', { mode: 0o700 });
  const child = spawn(
    'sftp',
    [
      // Before -b: sftp turns BatchMode on when it reads -b, and ssh keeps the first value.
      '-o',
      'BatchMode=no',
      '-b',
      '-',
      '-P',
      String(port),
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'PubkeyAuthentication=no',
      '-o',
      'PreferredAuthentications=password,keyboard-interactive',
      '-o',
      'NumberOfPasswordPrompts=1',
      '-o',
      'LogLevel=ERROR',
      `${user}@127.0.0.1`,
    ],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        SSH_ASKPASS: askpass,
        SSH_ASKPASS_REQUIRE: 'force',
        DISPLAY: ':0',
        IMPORT_TEST_SFTP_PASSWORD: password,
      },
    },
  );
  return collect(child, commands.join('\n') + '\n');
}

function collect(child: ReturnType<typeof spawn>, input: string): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin?.end(input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
