/**
 * The CLI and the queue: `blasnet worker` trains what `blasnet train --redis` sends and the model file is
 * the one a local run writes, byte for byte; SIGTERM lets a worker finish its job first. And, without
 * Redis, the claim those rest on: two local runs with the same seed write the same file.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { compileCli, fixture, type Cli } from '../helpers/cli';
import { describeWithRedis, RedisServer } from '../helpers/redis';

let cli: Cli;
beforeAll(() => {
  cli = compileCli('cli-queue');
});

const iris = fixture('examples', 'data', 'iris-species.csv');
const settings = ['--target', 'species', '--epochs', '40', '--seed', '7', '--quiet'];

/** Collects a child's output and resolves on a line matching `pattern`. */
function watch(child: ChildProcess): {
  output: () => string;
  line: (pattern: RegExp) => Promise<string>;
  exit: Promise<number | null>;
} {
  let text = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const scan = () => {
    for (const waiter of waiters.splice(0)) {
      const found = text.split('\n').find((l) => waiter.pattern.test(l));
      if (found !== undefined) waiter.resolve(found);
      else waiters.push(waiter);
    }
  };
  child.stdout!.on('data', (chunk: Buffer) => ((text += chunk.toString()), scan()));
  child.stderr!.on('data', (chunk: Buffer) => ((text += chunk.toString()), scan()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    output: () => text,
    line: (pattern) => new Promise((resolve) => (waiters.push({ pattern, resolve }), scan())),
    exit,
  };
}

describe('blasnet train, twice with the same seed', () => {
  it('writes the same model file, byte for byte (no fit time in it)', () => {
    const a = path.join(cli.out, 'a.blasnet');
    const b = path.join(cli.out, 'b.blasnet');
    expect(cli.run(['train', iris, ...settings, '--out', a]).status).toBe(0);
    expect(cli.run(['train', iris, ...settings, '--out', b]).status).toBe(0);
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);
    expect(fs.readFileSync(a).toString('latin1')).not.toMatch(/"seconds"/);
  });
});

describe('blasnet worker without --redis', () => {
  it('is a usage error that says what it needs', () => {
    const result = cli.run(['worker']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/blasnet worker needs --redis <url>/);
    expect(cli.run(['worker', '--redis', 'localhost:6379']).stderr).toMatch(
      /--redis expects a URL such as redis:\/\/127\.0\.0\.1:6379 but was given "localhost:6379"/,
    );
  });
});

describeWithRedis('blasnet worker and blasnet train --redis', () => {
  let redis: RedisServer;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await redis?.dispose();
  });

  it('trains on the worker and writes the model a local run writes, byte for byte, with the same progress', async () => {
    const worker = cli.start(['worker', '--redis', redis.url, '--queue', 'cli', '--concurrency', '1']);
    children.push(worker);
    const seen = watch(worker);
    await seen.line(/^worker: queue "cli" on "redis:\/\/127\.0\.0\.1:\d+", 1 at a time/);
    const local = path.join(cli.out, 'local.blasnet');
    const remote = path.join(cli.out, 'remote.blasnet');
    expect(cli.run(['train', iris, ...settings, '--out', local]).status).toBe(0);
    const run = cli.start([
      'train',
      iris,
      ...settings.filter((a) => a !== '--quiet'),
      '--out',
      remote,
      '--redis',
      redis.url,
      '--queue',
      'cli',
    ]);
    const trained = watch(run);
    expect(await trained.exit).toBe(0);
    expect(fs.readFileSync(remote).equals(fs.readFileSync(local))).toBe(true);
    expect(trained.output()).toMatch(/epoch 40\/40 {2}loss \d/);
    expect(seen.output()).toMatch(/job "\d+": done in/);
    worker.kill('SIGTERM');
    expect(await seen.exit).toBe(0);
  });

  it('a real table with categorical columns, missing cells and --class-weight: the worker writes the local run’s model, byte for byte', async () => {
    const worker = cli.start(['worker', '--redis', redis.url, '--queue', 'cli-table', '--concurrency', '1']);
    children.push(worker);
    const seen = watch(worker);
    await seen.line(/^worker: queue "cli-table"/);
    const penguins = fixture('examples', 'data', 'penguins.ndjson');
    const flags = [
      '--target',
      'Species',
      '--class-weight',
      'balanced',
      '--epochs',
      '15',
      '--hidden',
      '8',
      '--seed',
      '4',
      '--quiet',
    ];
    const local = path.join(cli.out, 'penguins-local.blasnet');
    const remote = path.join(cli.out, 'penguins-remote.blasnet');
    expect(cli.run(['train', penguins, ...flags, '--out', local]).status).toBe(0);
    const run = cli.start(['train', penguins, ...flags, '--out', remote, '--redis', redis.url, '--queue', 'cli-table']);
    expect(await watch(run).exit).toBe(0);
    expect(fs.readFileSync(remote).equals(fs.readFileSync(local))).toBe(true);
    // The weights mattered: the same run without them is another model.
    const plain = path.join(cli.out, 'penguins-plain.blasnet');
    expect(
      cli.run(['train', penguins, ...flags.filter((f) => f !== '--class-weight' && f !== 'balanced'), '--out', plain])
        .status,
    ).toBe(0);
    expect(fs.readFileSync(plain).equals(fs.readFileSync(local))).toBe(false);
    worker.kill('SIGTERM');
    expect(await seen.exit).toBe(0);
  });

  it('on SIGTERM, finishes the running job before it exits', async () => {
    const worker = cli.start(['worker', '--redis', redis.url, '--queue', 'graceful', '--concurrency', '1']);
    children.push(worker);
    const seen = watch(worker);
    await seen.line(/^worker: queue "graceful"/);
    const out = path.join(cli.out, 'graceful.blasnet');
    const run = cli.start([
      'train',
      iris,
      '--target',
      'species',
      '--epochs',
      '3000',
      '--batch-size',
      '4',
      '--quiet',
      '--out',
      out,
      '--redis',
      redis.url,
      '--queue',
      'graceful',
    ]);
    const trained = watch(run);
    await seen.line(/: training$/);
    worker.kill('SIGTERM');
    await seen.line(/SIGTERM: finishing 1 running job, taking no new ones/);
    expect(await trained.exit).toBe(0);
    expect(fs.existsSync(out)).toBe(true);
    expect(await seen.exit).toBe(0);
    expect(seen.output()).toMatch(/done in [\d.]+ s\n[\s\S]*worker: stopped/);
  });
});
