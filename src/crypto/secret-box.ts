/**
 * Encryption of stored secrets (partner passwords, private keys) with AES-256-GCM under the
 * key file `[database] AESPassphrase`. Every node of a cluster must share the same file.
 * Stored form: `aesgcm:` + base64(nonce(12) | ciphertext | tag(16)).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** How a sealed value starts (in the database). */
export const sealedPrefix = 'aesgcm:';

export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error(`AES key must be 32 bytes, got ${key.length}`);
    this.#key = key;
  }

  /**
   * Reads the key file, creating it with 32 random bytes (mode 0600) if it does not exist.
   * A node starting decides between the two itself (src/daemon/secrets.ts): this is for tools
   * and tests that do not need to.
   */
  static fromKeyFile(file: string): SecretBox {
    return SecretBox.readKeyFile(file) ?? SecretBox.createKeyFile(file);
  }

  /** The key of an existing key file; undefined when there is none. */
  static readKeyFile(file: string): SecretBox | undefined {
    try {
      return new SecretBox(readKey(file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /**
   * Creates the key file with 32 random bytes (mode 0600), or reads the one another node has
   * just created. Creation uses a private draft linked into place, so that two nodes starting
   * at once never write different keys and no node reads a half-written file.
   */
  static createKeyFile(file: string): SecretBox {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(draft, randomBytes(32), { flag: 'wx', mode: 0o600 });
    chmodSync(draft, 0o600);
    try {
      // link() fails if the file exists: of several nodes starting at once, one key wins.
      linkSync(draft, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      unlinkSync(draft);
    }
    return new SecretBox(readKey(file));
  }

  /** True when `stored` was sealed with this key. */
  canOpen(stored: string): boolean {
    try {
      this.decrypt(stored);
      return true;
    } catch {
      return false;
    }
  }

  encrypt(plain: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return sealedPrefix + Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
  }

  decrypt(stored: string): string {
    if (!stored.startsWith(sealedPrefix)) throw new Error('not an encrypted value');
    const raw = Buffer.from(stored.slice(sealedPrefix.length), 'base64');
    if (raw.length < 28) throw new Error('encrypted value is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString(
      'utf8',
    );
  }
}

function readKey(file: string): Buffer {
  const key = readFileSync(file);
  // Tolerate a trailing newline from an operator's `echo`, nothing else.
  const trimmed = key.length === 33 && key[32] === 0x0a ? key.subarray(0, 32) : key;
  if (trimmed.length !== 32) {
    throw new Error(
      `${file}: the AES key file must hold 32 bytes, it holds ${key.length} (every node must share it)`,
    );
  }
  return trimmed;
}
