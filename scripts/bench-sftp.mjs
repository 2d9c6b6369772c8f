// SFTP throughput: upload and download of one file (1 GiB by default) with the OpenSSH `sftp`
// client, against this gateway's SFTP server (in process, SQLite, compiled code in dist/) and
// against a private OpenSSH sshd (its own config, host key and port on 127.0.0.1) for reference.
//
//   npx tsc -p tsconfig.json && node scripts/bench-sftp.mjs [--size-mib 1024] [--runs 3]
//                                  [--cipher aes128-gcm@openssh.com] [--only gateway|openssh]
//
// Prints one line per run and the median MB/s (MB = 10^6 bytes) of each case.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  createReadStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '1024' },
    runs: { type: 'string', default: '3' },
    cipher: { type: 'string', default: '' },
    only: { type: 'string', default: '' },
  },
});
const sizeMiB = Number(opts['size-mib']);
const runs = Number(opts.runs);
const root = resolve(import.meta.dirname, '..');
const dist = (p) => join(root, 'dist', 'src', p);

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

function sha256(file) {
  return new Promise((res, rej) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('end', () => res(h.digest('hex')))
      .on('error', rej);
  });
}

function sftp(port, user, key, cwd, commands) {
  const args = [
    '-q',
    '-b',
    '-',
    '-P',
    String(port),
    '-i',
    key,
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'LogLevel=ERROR',
    ...(opts.cipher ? ['-c', opts.cipher] : []),
    `${user}@127.0.0.1`,
  ];
  return new Promise((res, rej) => {
    const started = process.hrtime.bigint();
    const child = spawn('sftp', args, { cwd, stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.stdin.end(commands.join('\n') + '\n');
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code === 0) res(seconds);
      else rej(new Error(`sftp exited with ${code}: ${err}`));
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function startGateway(work, publicKey) {
  const { SqliteDatabase } = await import(dist('db/sqlite.js'));
  const { migrate } = await import(dist('db/migrate.js'));
  const { createStores } = await import(dist('db/stores/index.js'));
  const { SecretBox } = await import(dist('crypto/secret-box.js'));
  const { NodeHealth, ServiceRegistry } = await import(dist('gateway/context.js'));
  const { RunningTransfers } = await import(dist('transfer/registry.js'));
  const { emptyIndirection } = await import(dist('config/indirection.js'));
  const { createSftpService } = await import(dist('sftp/service.js'));
  const { cryptoBindingAvailable } = await import(dist('sftp/ssh2.js'));
  const pino = (await import('pino')).default;
  const home = join(work, 'gw');
  const db = new SqliteDatabase(join(home, 'gateway.db'));
  await migrate(db, { node: 'bench' });
  const config = {
    configFile: join(home, 'gatewayd.ini'),
    configDir: home,
    instance: undefined,
    global: { gatewayName: 'bench' },
    paths: {
      gatewayHome: home,
      defaultInDir: join(home, 'in'),
      defaultOutDir: join(home, 'out'),
      defaultTmpDir: join(home, 'tmp'),
      filePermissions: 0o640,
      directoryPermissions: 0o750,
    },
    log: { level: 'warn', logTo: 'stderr' },
    admin: { host: '127.0.0.1', port: 0, tlsCert: undefined, tlsKey: undefined, trustedProxies: [] },
    database: {
      type: 'sqlite',
      address: join(home, 'gateway.db'),
      name: '',
      user: '',
      password: '',
      aesPassphrase: join(home, 'aes.key'),
    },
    controller: { delayMs: 1000, maxTransferIn: 0, maxTransferOut: 0 },
    cluster: { heartbeatIntervalMs: 1000, nodeTimeoutMs: 600_000, drainGraceMs: 1000 },
    indirection: emptyIndirection(),
  };
  for (const d of ['in', 'out', 'tmp']) mkdirSync(join(home, d), { recursive: true });
  const stores = createStores(db, 'bench');
  const ctx = {
    config,
    stores,
    secrets: SecretBox.fromKeyFile(config.database.aesPassphrase),
    log: pino({ level: 'warn' }, pino.destination(2)),
    nodeName: 'bench',
    version: 'bench',
    services: new ServiceRegistry(),
    health: new NodeHealth(),
    running: new RunningTransfers(),
    now: () => Date.now(),
  };
  const port = await freePort();
  const server = await stores.servers.create({
    name: 'bench',
    protocol: 'sftp',
    address: `127.0.0.1:${port}`,
    enabled: true,
    rootDir: '',
    receiveDir: '',
    sendDir: '',
    tmpReceiveDir: '',
    protoConfig: {},
  });
  const account = await stores.localAccounts.create({
    serverId: server.id,
    login: 'bench',
    passwordHash: null,
    ipAddresses: [],
  });
  await stores.credentials.create({
    owner: { kind: 'localAccount', id: account.id },
    name: 'key',
    type: 'ssh_public_key',
    value: publicKey,
    value2: '',
  });
  for (const [name, isSend, path] of [
    ['up', false, 'in'],
    ['down', true, 'out'],
  ]) {
    await stores.rules.create({
      name,
      isSend,
      comment: '',
      path,
      localDir: '',
      remoteDir: '',
      tmpLocalRcvDir: '',
      preTasks: [],
      postTasks: [],
      errorTasks: [],
    });
  }
  const service = createSftpService(ctx);
  await service.start();
  return {
    port,
    user: 'bench',
    binding: cryptoBindingAvailable(),
    uploadTarget: 'in/bench.bin',
    downloadSource: 'out/bench.bin',
    received: join(home, 'in', 'bench.bin'),
    offered: join(home, 'out', 'bench.bin'),
    async stop() {
      await service.stop();
      await service.closeAllSessions();
      await db.close();
    },
  };
}

async function startSshd(work, publicKey) {
  const dir = join(work, 'sshd');
  mkdirSync(join(dir, 'files'), { recursive: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  writeFileSync(join(dir, 'authorized_keys'), publicKey + '\n', { mode: 0o600 });
  const port = await freePort();
  const user = execFileSync('id', ['-un']).toString().trim();
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      'Subsystem sftp /usr/lib/openssh/sftp-server',
      '',
    ].join('\n'),
  );
  mkdirSync('/run/sshd', { recursive: true });
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((res) => {
      const s = createServer();
      s.once('error', () => res(true));
      s.listen(port, '127.0.0.1', () => s.close(() => res(false)));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const files = join(dir, 'files');
  return {
    port,
    user,
    uploadTarget: join(files, 'up.bin'),
    downloadSource: join(files, 'down.bin'),
    received: join(files, 'up.bin'),
    offered: join(files, 'down.bin'),
    async stop() {
      child.kill('SIGTERM');
    },
  };
}

async function bench(name, target, local, source, sourceHash) {
  const up = [];
  const down = [];
  const bytes = statSync(source).size;
  for (let i = 0; i < runs; i++) {
    rmSync(target.received, { force: true });
    const tUp = await sftp(target.port, target.user, local.key, local.dir, [
      `put ${source} ${target.uploadTarget}`,
    ]);
    up.push(bytes / tUp / 1e6);
    rmSync(join(local.dir, 'got.bin'), { force: true });
    const tDown = await sftp(target.port, target.user, local.key, local.dir, [
      `get ${target.downloadSource} got.bin`,
    ]);
    down.push(bytes / tDown / 1e6);
    console.log(
      `${name} run ${i + 1}: upload ${up.at(-1).toFixed(0)} MB/s, download ${down.at(-1).toFixed(0)} MB/s`,
    );
  }
  if ((await sha256(target.received)) !== sourceHash) throw new Error(`${name}: uploaded file differs`);
  if ((await sha256(join(local.dir, 'got.bin'))) !== sourceHash)
    throw new Error(`${name}: downloaded file differs`);
  return { name, upload: median(up), download: median(down) };
}

const work = mkdtempSync(join(tmpdir(), 'waarp-bench-'));
const results = [];
try {
  const local = { dir: join(work, 'client'), key: join(work, 'client', 'id_ed25519') };
  mkdirSync(local.dir, { recursive: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', local.key]);
  const publicKey = readFileSync(`${local.key}.pub`, 'utf8').trim();
  const source = join(local.dir, 'source.bin');
  // Random data in 64 MiB chunks (incompressible; the page cache keeps it for every run).
  {
    const chunk = randomBytes(64 << 20);
    writeFileSync(source, '');
    for (let i = 0; i < sizeMiB / 64; i++) writeFileSync(source, chunk, { flag: 'a' });
  }
  const sourceHash = await sha256(source);
  console.log(
    `file ${sizeMiB} MiB, ${runs} runs per case, cipher ${opts.cipher || '(client default)'}, node ${process.version}`,
  );
  if (opts.only !== 'openssh') {
    const gw = await startGateway(work, publicKey);
    console.log(`gateway: ssh2 native crypto binding ${gw.binding ? 'loaded' : 'MISSING'}`);
    writeFileSync(gw.offered, readFileSync(source));
    try {
      results.push(await bench('gateway', gw, local, source, sourceHash));
    } finally {
      await gw.stop();
    }
  }
  if (opts.only !== 'gateway') {
    const sshd = await startSshd(work, publicKey);
    writeFileSync(sshd.offered, readFileSync(source));
    try {
      results.push(await bench('openssh', sshd, local, source, sourceHash));
    } finally {
      await sshd.stop();
    }
  }
  for (const r of results) {
    console.log(
      `median ${r.name}: upload ${r.upload.toFixed(0)} MB/s, download ${r.download.toFixed(0)} MB/s`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
