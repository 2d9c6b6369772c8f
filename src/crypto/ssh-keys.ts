/**
 * SSH key checks for credentials, with ssh2's parser (the one the SFTP service uses, so a key
 * accepted here is a key the service can load). ssh2 is CommonJS: default import only.
 */
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';

function parse(text: string): ParsedKey | Error {
  // Typed as one key, but a file holding several keys gives an array.
  let parsed: ParsedKey | ParsedKey[] | Error;
  try {
    parsed = ssh2.utils.parseKey(text);
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
  if (Array.isArray(parsed)) return (parsed as ParsedKey[])[0] ?? new Error('no key found');
  return parsed;
}

function openSsh(key: ParsedKey): string {
  return `${key.type} ${key.getPublicSSH().toString('base64')}`;
}

/** A public key in any format ssh2 reads → its OpenSSH form `type base64`, or a reason. */
export function normalizePublicKey(text: string): { key: string } | { error: string } {
  const parsed = parse(text);
  if (parsed instanceof Error) return { error: `not a valid SSH public key: ${parsed.message}` };
  if (parsed.isPrivateKey()) return { error: 'a private key was given where a public key is expected' };
  return { key: openSsh(parsed) };
}

/** Checks an unencrypted private key; returns its public key in OpenSSH form, or a reason. */
export function checkPrivateKey(text: string): { publicKey: string } | { error: string } {
  const parsed = parse(text);
  if (parsed instanceof Error) return { error: `not a valid SSH private key: ${parsed.message}` };
  if (!parsed.isPrivateKey()) return { error: 'a public key was given where a private key is expected' };
  return { publicKey: openSsh(parsed) };
}
