import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { checkPrivateKey } from '../../../src/crypto/ssh-keys.js';
import { ed25519KeyPairFromSeed, generateEd25519KeyPair } from '../../../src/crypto/ssh-keygen.js';

/** This seed's public key starts with a zero byte: the case ssh2's own generator gets wrong. */
const seedOfLeadingZeroKey = Buffer.alloc(32);
seedOfLeadingZeroKey[31] = 36;

function publicLineByOpenSsh(privateKey: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'waarp-test-keygen-'));
  try {
    const file = join(dir, 'id');
    writeFileSync(file, privateKey, { mode: 0o600 });
    // -P '': a key it cannot load fails at once instead of asking a terminal for a passphrase.
    return execFileSync('ssh-keygen', ['-y', '-P', '', '-f', file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    }).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('ed25519 key pairs in OpenSSH formats', () => {
  it('a public key with a leading zero byte stays 32 bytes, and ssh2 and OpenSSH load the pair', () => {
    const pair = ed25519KeyPairFromSeed(seedOfLeadingZeroKey, 'gateway');
    const blob = Buffer.from(pair.public.split(' ')[1]!, 'base64');
    // string "ssh-ed25519" (4 + 11 bytes), then the key's length and bytes
    assert.equal(blob.readUInt32BE(15), 32);
    assert.equal(blob[19], 0, 'the fixture seed must keep giving a key that starts with 0');
    const checked = checkPrivateKey(pair.private);
    assert.ok('publicKey' in checked, 'error' in checked ? checked.error : '');
    assert.equal(`${checked.publicKey} gateway`, pair.public);
    assert.equal(publicLineByOpenSsh(pair.private), pair.public);
  });

  it('every generated key loads in ssh2 (its own generator fails about one in a thousand)', () => {
    const unusable: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const pair = generateEd25519KeyPair();
      const parsed = ssh2.utils.parseKey(pair.private);
      if (parsed instanceof Error) unusable.push(`${parsed.message}: ${pair.public}`);
      else if (!pair.public.startsWith('ssh-ed25519 ')) unusable.push(`public line: ${pair.public}`);
    }
    assert.deepEqual(unusable, []);
  });

  it('a seed of the wrong size is refused', () => {
    assert.throws(() => ed25519KeyPairFromSeed(Buffer.alloc(31)), /32 bytes, not 31/);
  });
});
