/**
 * Starts a real Kubernetes control plane (etcd + kube-apiserver, no kubelet, no controllers) on
 * loopback ports, the way controller-runtime's envtest does, and tears it down without leaving
 * processes or temp dirs behind — also on Ctrl-C, an uncaught exception or a SIGKILLed parent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { ensureBinaries, type Binaries, type BuildProgress } from './build.ts';
import { TestEnvError } from './errors.ts';
import { freePorts } from '../support/free-ports.ts';

/** A running control plane and everything a client needs to reach it as cluster-admin. */
export interface ControlPlane {
  name: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** Bearer token of a user in system:masters. */
  token: string;
  /** PEM bundle that verifies the API server's self-signed serving certificate. */
  caFile: string;
  /** A kubeconfig with one context, named `name`. */
  kubeconfigPath: string;
  kubeconfig: KubeConfig;
  /** What /version reports, e.g. v1.37.2. */
  version: string;
  /** The plane's temp dir: data, PKI, logs; removed by stop(). */
  dir: string;
  /** The service-account signing key, which kube-controller-manager signs tokens with too. */
  serviceAccountKeyFile: string;
  /**
   * Starts a process that belongs to this plane (a controller, kwok, vela-core), logging to
   * `<dir>/<name>.log`; stop() ends it before the API server, and it dies with this process.
   */
  attach(name: string, binary: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess;
  /** The last lines of one of the plane's logs (`etcd`, `kube-apiserver` or an attached name). */
  logTail(name: string, lines?: number): string;
  /** SIGTERM, then SIGKILL after a bound; waits for both processes and removes the temp dir. */
  stop(): Promise<void>;
}

/** Options of `startControlPlane`. */
export interface StartControlPlaneOptions {
  /** Context (and cluster and user) name in the kubeconfig; defaults to "velahub". */
  name?: string;
  /** Aborts start-up (and stops whatever was started); a started plane is stopped with stop(). */
  signal?: AbortSignal;
  /** Defaults to `ensureBinaries()`, which may build them (minutes) on a cold cache. */
  binaries?: Binaries;
  onBuildProgress?: (progress: BuildProgress) => void;
  /** Bound on /readyz plus the `default` namespace; defaults to 60 s. */
  readyTimeoutMs?: number;
  /** Appended to the kube-apiserver flags, for tests that need a feature gate or admission plugin. */
  extraApiserverArgs?: string[];
}

const TEMP_PREFIX = 'velahub-cp-';
const STOP_GRACE_MS = 5_000;

/** Starts etcd and kube-apiserver on free loopback ports and waits until the API is usable. */
export async function startControlPlane(opts: StartControlPlaneOptions = {}): Promise<ControlPlane> {
  const binaries = opts.binaries ?? (await ensureBinaries({ onProgress: opts.onBuildProgress, signal: opts.signal }));
  // Ports are probed then released, so another process may grab one first; one retry covers that race.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(binaries, opts);
    } catch (err) {
      if (attempt >= 2 || !(err instanceof TestEnvError) || !/address already in use/.test(err.message)) throw err;
    }
  }
}

async function startOnce(binaries: Binaries, opts: StartControlPlaneOptions): Promise<ControlPlane> {
  const name = opts.name ?? 'velahub';
  opts.signal?.throwIfAborted();
  sweepStaleTempDirs();
  installExitHandlers();
  const dir = await mkdtemp(join(tmpdir(), `${TEMP_PREFIX}${name}-`));
  const live: LivePlane = { dir, children: [] };
  livePlanes.add(live);
  const stop = once(() => stopPlane(live));
  const onAbort = (): void => void stop();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // Lets a later run remove this dir if we die too hard for the exit handler to run.
    await writeFile(join(dir, 'owner.pid'), String(process.pid));
    const [etcdClient, etcdPeer, securePort] = await freePorts(3);
    const token = randomBytes(24).toString('hex');
    const saKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' });
    await writeFile(join(dir, 'sa.key'), saKey, { mode: 0o600 });
    await writeFile(join(dir, 'tokens.csv'), `${token},admin,admin,"system:masters"\n`, { mode: 0o600 });
    await mkdir(join(dir, 'pki'));

    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;
    live.children.push(
      launch(binaries.etcd, [
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        '--unsafe-no-fsync',
      ], join(dir, 'etcd.log')),
    );
    live.children.push(
      launch(binaries.kubeApiserver, [
        `--etcd-servers=${etcdUrl}`,
        `--cert-dir=${join(dir, 'pki')}`,
        `--secure-port=${securePort}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--service-account-issuer=https://kubernetes.default.svc',
        `--service-account-key-file=${join(dir, 'sa.key')}`,
        `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
        `--token-auth-file=${join(dir, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        '--disable-admission-plugins=ServiceAccount',
        '--allow-privileged=true',
        // 1.37 refuses a loopback advertise address with the endpoint reconciler; there are no
        // pods to reach the `kubernetes` Service anyway.
        '--endpoint-reconciler-type=none',
        ...(opts.extraApiserverArgs ?? []),
      ], join(dir, 'kube-apiserver.log')),
    );

    const server = `https://127.0.0.1:${securePort}`;
    const caFile = join(dir, 'pki', 'apiserver.crt');
    const version = await waitUntilUsable({ live, server, token, caFile, signal: opts.signal, timeoutMs: opts.readyTimeoutMs ?? 60_000 });
    const access: PlaneAccess = { name, server, token, caFile };
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeKubeconfig(kubeconfigPath, [access]);
    const kubeconfig = new KubeConfig();
    kubeconfig.loadFromFile(kubeconfigPath);
    const attach = (proc: string, binary: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess => {
      const child = launch(binary, args, join(dir, `${proc}.log`), env);
      live.children.push(child);
      return child;
    };
    const logTail = (proc: string, n = 25): string => tailOf(join(dir, `${proc}.log`), n);
    return { ...access, kubeconfigPath, kubeconfig, version, dir, serviceAccountKeyFile: join(dir, 'sa.key'), attach, logTail, stop };
  } catch (err) {
    await stop();
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** What a kubeconfig needs from a plane. */
export type PlaneAccess = Pick<ControlPlane, 'name' | 'server' | 'token' | 'caFile'>;

/**
 * Writes one kubeconfig holding every plane as its own context (named after the plane), the
 * first one current — what multi-cluster installer tests and `kubectl --context` need.
 * The CA is embedded, so the file keeps working wherever it is copied.
 */
export async function writeKubeconfig(path: string, planes: readonly PlaneAccess[]): Promise<void> {
  const entries = await Promise.all(
    planes.map(async (p) => ({ ...p, caData: (await readFile(p.caFile)).toString('base64') })),
  );
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: entries.map((p) => ({ name: p.name, cluster: { server: p.server, 'certificate-authority-data': p.caData } })),
    users: entries.map((p) => ({ name: p.name, user: { token: p.token } })),
    contexts: entries.map((p) => ({ name: p.name, context: { cluster: p.name, user: p.name } })),
    'current-context': entries[0]?.name ?? '',
    preferences: {},
  };
  await writeFile(path, stringify(doc), { mode: 0o600 });
}

// --- processes -----------------------------------------------------------------------------

interface LivePlane {
  dir: string;
  children: ChildProcess[];
}

const livePlanes = new Set<LivePlane>();

const SETPRIV = '/usr/bin/setpriv';

function launch(binary: string, args: string[], logPath: string, env?: NodeJS.ProcessEnv): ChildProcess {
  const log = openSync(logPath, 'a');
  try {
    // setpriv (util-linux, always on Debian) makes the kernel SIGKILL the child when we die,
    // even by SIGKILL or OOM, where no exit handler of ours can run.
    const [command, argv] = existsSync(SETPRIV)
      ? [SETPRIV, ['--pdeathsig', 'KILL', '--', binary, ...args]]
      : [binary, args];
    const child = spawn(command, argv, { stdio: ['ignore', log, log], detached: false, env: env ? { ...process.env, ...env } : process.env });
    child.on('error', () => {}); // surfaced as an early exit by waitUntilUsable
    // A test file must be able to end while a plane runs; the exit handler then kills it.
    child.unref();
    return child;
  } finally {
    closeSync(log);
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function stopPlane(live: LivePlane): Promise<void> {
  // The API server first, so it doesn't spend the grace period retrying a vanished etcd.
  for (const child of [...live.children].reverse()) await terminate(child);
  await rm(live.dir, { recursive: true, force: true, maxRetries: 3 });
  livePlanes.delete(live);
}

async function terminate(child: ChildProcess): Promise<void> {
  if (exited(child) || child.pid === undefined) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.ref(); // keep the loop alive until the exit is seen
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await gone;
  clearTimeout(timer);
}

let exitHandlersInstalled = false;

function installExitHandlers(): void {
  if (exitHandlersInstalled) return;
  exitHandlersInstalled = true;
  // 'exit' runs for process.exit(), a normal end and an uncaught exception; only sync work is possible.
  process.on('exit', killAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAllSync();
      // Installing a listener disables Node's default "exit on signal"; restore it unless the
      // program has its own handler (which then decides when to exit).
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

function killAllSync(): void {
  for (const live of livePlanes) {
    for (const child of live.children) if (!exited(child)) child.kill('SIGKILL');
    rmSync(live.dir, { recursive: true, force: true, maxRetries: 3 });
  }
  livePlanes.clear();
}

function sweepStaleTempDirs(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir()).filter((n) => n.startsWith(TEMP_PREFIX));
  } catch {
    return;
  }
  for (const n of names) {
    const dir = join(tmpdir(), n);
    try {
      const owner = Number(readFileSync(join(dir, 'owner.pid'), 'utf8'));
      if (owner && !pidAlive(owner)) rmSync(dir, { recursive: true, force: true });
    } catch {
      // No owner.pid yet: a plane of another process that is starting right now.
    }
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// --- readiness -----------------------------------------------------------------------------

interface WaitInput {
  live: LivePlane;
  server: string;
  token: string;
  caFile: string;
  signal?: AbortSignal;
  timeoutMs: number;
}

async function waitUntilUsable(input: WaitInput): Promise<string> {
  const deadline = Date.now() + input.timeoutMs;
  let last = 'no answer yet';
  for (const step of ['/readyz', '/api/v1/namespaces/default'] as const) {
    for (;;) {
      input.signal?.throwIfAborted();
      const dead = input.live.children.find(exited);
      if (dead) {
        throw new TestEnvError(
          'TESTENV_PROCESS_EXITED',
          `${processName(dead)} exited (${dead.signalCode ?? `code ${dead.exitCode}`}) before the API server was ready${logTails(input.live.dir)}`,
        );
      }
      if (Date.now() > deadline) {
        throw new TestEnvError(
          'TESTENV_NOT_READY',
          `kube-apiserver at ${input.server} not usable after ${Math.round(input.timeoutMs / 1000)}s: GET ${step}: ${last}${logTails(input.live.dir)}`,
          'a loaded machine may need a longer readyTimeoutMs',
        );
      }
      const res = await get(input, step).catch((err: Error) => ({ status: 0, body: err.message }));
      if (res.status === 200) break;
      last = res.status ? `HTTP ${res.status}: ${res.body.slice(0, 500)}` : res.body;
      await delay(250);
    }
  }
  const res = await get(input, '/version');
  const version = res.status === 200 ? (JSON.parse(res.body) as { gitVersion?: string }).gitVersion : undefined;
  if (!version) throw new TestEnvError('TESTENV_NOT_READY', `GET /version answered HTTP ${res.status}: ${res.body}`);
  return version;
}

function processName(child: ChildProcess): string {
  const args = child.spawnargs;
  const binary = args[0] === SETPRIV ? args[4] : args[0];
  return binary?.split('/').pop() ?? 'a control-plane process';
}

/** GET with the plane's CA and token; node's fetch can't take a CA without an extra dependency. */
function get(input: Pick<WaitInput, 'server' | 'token' | 'caFile'>, path: string): Promise<{ status: number; body: string }> {
  if (!existsSync(input.caFile)) return Promise.reject(new Error('serving certificate not written yet'));
  const ca = readFileSync(input.caFile);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, input.server),
      { ca, headers: { authorization: `Bearer ${input.token}` }, timeout: 3_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out after 3s')));
    req.on('error', reject);
    req.end();
  });
}

function logTails(dir: string): string {
  return ['etcd.log', 'kube-apiserver.log'].map((file) => tailOf(join(dir, file), 25)).join('');
}

/** The last `n` lines of a log, headed by its name, for error messages. */
function tailOf(path: string, n: number): string {
  const file = path.split('/').pop();
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return `\n--- ${file}: missing ---`;
  }
  const lines = text.trimEnd().split('\n').slice(-n);
  return `\n--- last ${lines.length} lines of ${file} ---\n${lines.join('\n')}`;
}

// --- small helpers -------------------------------------------------------------------------

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}
