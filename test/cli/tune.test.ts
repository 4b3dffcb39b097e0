/**
 * `blasnet tune`: seeded random search with the given flags held fixed, a JSON record of every trial,
 * --out equal to `blasnet train` with the best settings; and with --redis, trials as queue jobs on two
 * `blasnet worker`s, one of them killed mid-search and started again: every trial completes, with the
 * scores of the local search.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { compileCli, fixture, type Cli } from '../helpers/cli';
import { describeWithRedis, RedisServer } from '../helpers/redis';

let cli: Cli;
beforeAll(() => {
  cli = compileCli('cli-tune');
});

const iris = fixture('examples', 'data', 'iris-species.csv');
const search = ['--target', 'species', '--trials', '6', '--epochs', '8', '--batch-size', '16', '--seed', '2', '--json'];

interface TuneJson {
  metric: string;
  best: { index: number; score: number; settings: Record<string, unknown> };
  trials: {
    index: number;
    rung?: number;
    score: number;
    status: string;
    settings: { batchSize: number; epochs: number };
  }[];
}

describe('blasnet tune', () => {
  let local: TuneJson;
  it('records every trial, holds the given flags fixed and marks the best', () => {
    const result = cli.run(['tune', iris, ...search]);
    expect(result.status).toBe(0);
    local = JSON.parse(result.stdout) as TuneJson;
    expect(local.metric).toBe('accuracy');
    expect(local.trials.map((t) => t.index)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(local.trials.every((t) => t.status === 'ok' && t.settings.batchSize === 16 && t.settings.epochs === 8)).toBe(
      true,
    );
    expect(local.best.score).toBe(Math.max(...local.trials.map((t) => t.score)));
    // Seeded: the same command finds the same.
    expect(JSON.parse(cli.run(['tune', iris, ...search]).stdout)).toMatchObject({
      trials: local.trials.map(({ score, settings }) => ({ score, settings })),
    });
  });

  it('--out writes what blasnet train writes with the best settings on every row', () => {
    const tuned = path.join(cli.out, 'tuned.blasnet');
    const result = cli.run(['tune', iris, ...search, '--out', tuned]);
    expect(result.status).toBe(0);
    const best = (JSON.parse(result.stdout) as TuneJson).best.settings as {
      hidden: number[];
      learningRate: number;
      batchSize: number;
      weightDecay: number;
    };
    const trained = path.join(cli.out, 'trained.blasnet');
    const flags = [
      '--hidden',
      best.hidden.join(','),
      '--lr',
      String(best.learningRate),
      '--batch-size',
      String(best.batchSize),
      '--weight-decay',
      String(best.weightDecay),
    ];
    expect(
      cli.run([
        'train',
        iris,
        '--target',
        'species',
        ...flags,
        '--epochs',
        '8',
        '--seed',
        '2',
        '--test-split',
        '0',
        '--out',
        trained,
        '--quiet',
      ]).status,
    ).toBe(0);
    expect(fs.readFileSync(tuned).equals(fs.readFileSync(trained))).toBe(true);
  });

  it('prints a table of the trials, best first', () => {
    const result = cli.run(['tune', iris, '--target', 'species', '--trials', '3', '--epochs', '3', '--quiet']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /^trial +hidden +lr +batch +weight decay +accuracy +± \(folds\) +seconds +status\n\d+ \* /,
    );
    expect(result.stdout).toMatch(/best \(\*\): trial \d, accuracy 0\.\d+/);
  });

  it('tunes a real table (words, missing cells, NDJSON rows) as train reads it and writes a table model predict reads', () => {
    const penguins = fixture('examples', 'data', 'penguins.ndjson');
    const tuned = path.join(cli.out, 'penguins-tuned.blasnet');
    const flags = [
      '--target',
      'Species',
      '--ignore',
      'Sex',
      '--trials',
      '2',
      '--folds',
      '2',
      '--epochs',
      '3',
      '--hidden',
      '8',
      '--seed',
      '5',
    ];
    const result = cli.run(['tune', penguins, ...flags, '--json', '--out', tuned]);
    expect(result.status).toBe(0);
    const found = JSON.parse(result.stdout) as TuneJson;
    expect(found.metric).toBe('accuracy');
    expect(found.trials.every((t) => t.status === 'ok' && Number.isFinite(t.score))).toBe(true);
    // The model is train's with the best settings and the same data flags (--ignore Sex included).
    const best = found.best.settings as { learningRate: number; batchSize: number; weightDecay: number };
    const trained = path.join(cli.out, 'penguins-trained.blasnet');
    const train = [
      'train',
      penguins,
      '--target',
      'Species',
      '--ignore',
      'Sex',
      '--hidden',
      '8',
      '--lr',
      String(best.learningRate),
      '--batch-size',
      String(best.batchSize),
      '--weight-decay',
      String(best.weightDecay),
    ];
    expect(
      cli.run([...train, '--epochs', '3', '--seed', '5', '--test-split', '0', '--out', trained, '--quiet']).status,
    ).toBe(0);
    expect(fs.readFileSync(tuned).equals(fs.readFileSync(trained))).toBe(true);
    const predicted = cli.run(['predict', tuned, penguins]);
    expect(predicted.status).toBe(0);
    expect(predicted.stdout.trim().split('\n').length).toBe(345);
  });

  it('--strategy halving: every candidate at a ninth of the epochs, the best third at a third, the best at all of them', () => {
    const result = cli.run([
      'tune',
      iris,
      '--target',
      'species',
      '--trials',
      '9',
      '--epochs',
      '9',
      '--folds',
      '2',
      '--strategy',
      'halving',
      '--json',
    ]);
    expect(result.status).toBe(0);
    const found = JSON.parse(result.stdout) as TuneJson;
    expect([0, 1, 2].map((r) => found.trials.filter((t) => t.rung === r).map((t) => t.settings.epochs))).toEqual([
      Array(9).fill(1),
      Array(3).fill(3),
      [9],
    ]);
    expect(found.best.settings.epochs).toBe(9);
    expect(found.best.index).toBe(found.trials.find((t) => t.rung === 2)!.index);
    expect(cli.run(['tune', iris, '--target', 'species', '--strategy', 'grid']).status).toBe(2);
  });

  describeWithRedis('with --redis', () => {
    let redis: RedisServer;
    const children: ChildProcess[] = [];
    beforeAll(async () => {
      redis = await RedisServer.start();
    });
    afterAll(async () => {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      await redis?.dispose();
    });

    const startWorker = (): { child: ChildProcess; ready: Promise<void>; firstJob: Promise<void> } => {
      const child = cli.start(['worker', '--redis', redis.url, '--queue', 'tune', '--concurrency', '1']);
      children.push(child);
      let text = '';
      let onReady!: () => void;
      let onJob!: () => void;
      const ready = new Promise<void>((resolve) => (onReady = resolve));
      const firstJob = new Promise<void>((resolve) => (onJob = resolve));
      child.stdout!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (/worker: queue/.test(text)) onReady();
        if (/: training/.test(text)) onJob();
      });
      return { child, ready, firstJob };
    };

    it('completes every trial on two workers, one killed mid-search and restarted, with the local scores', async () => {
      const a = startWorker();
      const b = startWorker();
      await Promise.all([a.ready, b.ready]);
      const run = cli.start(['tune', iris, ...search, '--redis', redis.url, '--queue', 'tune']);
      let stdout = '';
      run.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const exit = new Promise<number | null>((resolve) => run.once('exit', resolve));
      await a.firstJob;
      a.child.kill('SIGKILL');
      const restarted = startWorker();
      await restarted.ready;
      expect(await exit).toBe(0);
      const remote = JSON.parse(stdout) as TuneJson;
      expect(remote.trials.every((t) => t.status === 'ok')).toBe(true);
      expect(remote.trials.map(({ score, settings }) => ({ score, settings }))).toEqual(
        local.trials.map(({ score, settings }) => ({ score, settings })),
      );
    });
  });
});
