/**
 * The AES key of a starting node, decided with the database: a node that finds no key file may
 * create one only when the database holds no secret sealed with a key (a fresh gateway); a key
 * that opens none of the sealed secrets is another gateway's, or a new one made by mistake.
 * Either way the node refuses to start, naming the key file, instead of sealing new secrets
 * that no other node could open and leaving the old ones unreadable.
 */
import type { GatewayConfig } from '../config/types.js';
import { SecretBox, sealedPrefix } from '../crypto/secret-box.js';
import type { Stores } from '../db/stores/index.js';
import { ExitCode, FatalError } from '../errors.js';

/** A few sealed values are enough: a wrong key opens none of them. */
const sampleSize = 5;

async function sealedSample(stores: Stores, owner: string): Promise<string[]> {
  const settings = await stores.settings.valuesLike(sealedPrefix);
  const credentials = await stores.credentials.valuesLike(owner, sealedPrefix, sampleSize);
  return [...settings, ...credentials].slice(0, sampleSize);
}

export async function openSecrets(config: GatewayConfig, stores: Stores): Promise<SecretBox> {
  const file = config.database.aesPassphrase;
  const sealed = await sealedSample(stores, config.global.gatewayName);
  const existing = SecretBox.readKeyFile(file);
  if (existing === undefined) {
    if (sealed.length > 0) {
      throw new FatalError(
        `[database] AESPassphrase: the key file ${file} does not exist, but the database holds secrets ` +
          'sealed with a key: put back the key file of this gateway (every node shares it); ' +
          'a new key could not open them',
        ExitCode.badConfigValue,
      );
    }
    return SecretBox.createKeyFile(file);
  }
  if (sealed.length > 0 && !sealed.some((v) => existing.canOpen(v))) {
    throw new FatalError(
      `[database] AESPassphrase: the key file ${file} does not open the secrets of the database: ` +
        'they were sealed with another key (every node of a gateway shares one key file)',
      ExitCode.badConfigValue,
    );
  }
  return existing;
}
