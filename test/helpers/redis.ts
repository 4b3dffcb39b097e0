/**
 * A real redis-server for the queue specs, on a free loopback port, with its data in a temporary
 * directory (append-only file, fsync'd on every write, so a restart loses nothing). Outside CI, a
 * machine without redis-server skips those specs with a message; in CI (CI=true) its absence fails them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** The redis-server binary: REDIS_SERVER, else the one on PATH (Debian's package puts it in /usr/bin). */
export function redisServerBinary(): string | undefined {
  const candidates = [process.env.REDIS_SERVER, '/usr/bin/redis-server', '/usr/local/bin/redis-server'].filter(
    (c): c is string => !!c,
  );
  for (const candidate of candidates) if (fs.existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() || undefined : undefined;
}

/** `describe`, or `describe.skip` with a message saying why, when there is no redis-server outside CI. */
export function describeWithRedis(name: string, body: () => void): void {
  if (redisServerBinary() !== undefined || process.env.CI === 'true') {
    describe(name, body);
    return;
  }
  console.warn(
    `skipping "${name}": no redis-server on this machine (apt-get install redis-server, or set REDIS_SERVER); CI runs it`,
  );
  describe.skip(name, body);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** A redis-server that the spec owns: start, restart (same port, same data), stop. */
export class RedisServer {
  readonly port: number;
  readonly dir: string;
  private child: ChildProcess | undefined;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.dir = dir;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<RedisServer> {
    const binary = redisServerBinary();
    if (binary === undefined) throw new Error('redis-server is not installed (apt-get install redis-server)');
    const server = new RedisServer(await freePort(), fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-redis-')));
    await server.launch(binary);
    return server;
  }

  private async launch(binary = redisServerBinary()!): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
    ];
    this.child = spawn(binary, args, { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (!(await ping(this.port))) {
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${this.port} within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops the server (SIGTERM: it flushes its append-only file) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  /** Stops and starts again on the same port with the same data, after `downMs` without a server. */
  async restart(downMs = 500): Promise<void> {
    await this.stop();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.launch();
  }

  /** Stops the server and removes its data. */
  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
