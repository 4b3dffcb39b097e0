/**
 * A local npm registry for the package test: verdaccio (test/package/tools, a test-only install) on a
 * loopback port, with its storage in a temporary folder. blasnet and @blasnet/* are served only from what
 * the test publishes there; every other package is proxied from the registry npm is configured with, so
 * blasnet's own dependencies install as they would for a user.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export const TOOLS = path.join(__dirname, 'tools', 'node_modules');

export interface Registry {
  url: string;
  /** An .npmrc that points npm at this registry, with a token that may publish. */
  npmrc: string;
  log: () => string;
  stop: () => Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited (${child.exitCode}):\n${output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`verdaccio did not answer ${url} within 60 s:\n${output()}`);
}

export async function startRegistry(dir: string, upstream: string): Promise<Registry> {
  const verdaccio = path.join(TOOLS, 'verdaccio', 'bin', 'verdaccio');
  if (!fs.existsSync(verdaccio)) throw new Error(`${verdaccio} is missing: npm ci --prefix test/package/tools`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  fs.mkdirSync(dir, { recursive: true });
  const config = path.join(dir, 'config.yaml');
  fs.writeFileSync(
    config,
    [
      `storage: ${path.join(dir, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${path.join(dir, 'htpasswd')}`,
      'uplinks:',
      '  upstream:',
      `    url: ${upstream}`,
      '    timeout: 60s',
      'packages:',
      "  '@blasnet/*':",
      '    access: $all',
      '    publish: $authenticated',
      "  'blasnet':",
      '    access: $all',
      '    publish: $authenticated',
      "  '**':",
      '    access: $all',
      '    proxy: upstream',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  let output = '';
  const child = spawn(process.execPath, [verdaccio, '--config', config, '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  await waitFor(`${url}-/ping`, child, () => output);

  // A user who may publish: verdaccio's htpasswd plugin creates one on the first `npm adduser` request.
  const response = await fetch(`${url}-/user/org.couchdb.user:blasnet`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'blasnet', password: 'package-test-only' }),
  });
  const { token } = (await response.json()) as { token?: string };
  if (!token) throw new Error(`verdaccio gave no token (${response.status}):\n${output}`);
  const npmrc = path.join(dir, 'npmrc');
  fs.writeFileSync(npmrc, `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`);
  return {
    url,
    npmrc,
    log: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** `npm publish` of a tarball to the registry. */
export function publish(registry: Registry, tarball: string, env: Record<string, string | undefined>): void {
  const result = spawnSync('npm', ['publish', tarball, '--userconfig', registry.npmrc, '--registry', registry.url], {
    encoding: 'utf8',
    env,
  });
  if (result.status !== 0) throw new Error(`npm publish ${tarball} failed:\n${result.stdout}\n${result.stderr}`);
}
