#!/usr/bin/env node
/**
 * The `blasnet` command (package.json `bin`): `train`, `predict`, `evaluate`, `info`, `tune` and `worker`. This file only
 * dispatches and turns failures into one line on stderr with an exit code (see errors.ts); each command
 * lives in commands/.
 */
import { closest } from '../validate';
import { helpText, parseCommand, type CommandSpec, type ParsedArgs } from './args';
import { BUILD_FROM_SOURCE, buildFromSource } from './commands/build-from-source';
import { EVALUATE, evaluate } from './commands/evaluate';
import { EXPORT, exportModel } from './commands/export';
import { INFO, info } from './commands/info';
import { PREDICT, predict } from './commands/predict';
import type { Io } from './commands/shared';
import { TRAIN, train } from './commands/train';
import { TUNE, tune } from './commands/tune';
import { WORKER, worker } from './commands/worker';
import { describeFailure, EXIT_USAGE, UsageError } from './errors';
import { printable } from './terminal';
import { packageVersion } from './version';

const COMMANDS: Record<string, { spec: CommandSpec; run: (args: ParsedArgs, io: Io) => Promise<number> }> = {
  train: { spec: TRAIN, run: train },
  predict: { spec: PREDICT, run: predict },
  evaluate: { spec: EVALUATE, run: evaluate },
  info: { spec: INFO, run: info },
  export: { spec: EXPORT, run: exportModel },
  tune: { spec: TUNE, run: tune },
  worker: { spec: WORKER, run: worker },
  'build-from-source': { spec: BUILD_FROM_SOURCE, run: buildFromSource },
};

function generalHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 2;
  const commands = Object.entries(COMMANDS).map(([name, { spec }]) => `  ${name.padEnd(width)}${spec.summary}`);
  return [
    'blasnet: train multi-layer perceptrons on CSV files (OpenBLAS inside).',
    '',
    'usage: blasnet <command> [arguments] [options]',
    '',
    'commands:',
    ...commands,
    '',
    'examples:',
    '  blasnet train iris.csv --target species --out iris.blasnet --report iris.html',
    '  blasnet predict iris.blasnet new-flowers.csv --proba > predictions.csv',
    '  blasnet evaluate iris.blasnet more-flowers.csv',
    '  blasnet export model.blasnet --onnx model.onnx',
    '',
    "Run 'blasnet <command> --help' for a command's options. Exit codes: 0 done, 1 a data or file error,",
    '2 a usage error, 130 interrupted.',
    '',
  ].join('\n');
}

/** A shell-like rendering of the command line, for the report. */
function commandLine(argv: readonly string[]): string {
  return ['blasnet', ...argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`))].join(' ');
}

/**
 * Runs one command line (without `node` and the script) and resolves with the exit code.
 * @throws whatever the command threw; {@link run} turns it into a message
 */
export async function main(argv: readonly string[], streams: Pick<Io, 'stdout' | 'stderr'>): Promise<number> {
  const io: Io = { ...streams, commandLine: commandLine(argv) };
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(generalHelp());
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = rest[0] !== undefined ? COMMANDS[rest[0]] : undefined;
    io.stdout.write(topic ? helpText(topic.spec) : generalHelp());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    const suggestion = closest(name, Object.keys(COMMANDS));
    const what = name.startsWith('-') ? `${name} before a command` : `unknown command ${JSON.stringify(name)}`;
    throw new UsageError(
      'ERR_CLI_UNKNOWN_COMMAND',
      `${what}${suggestion && !name.startsWith('-') ? ` (did you mean ${suggestion}?)` : ''}; the commands are ${Object.keys(COMMANDS).join(', ')} (blasnet --help)`,
    );
  }
  const args = parseCommand(command.spec, rest);
  if (args.help) {
    io.stdout.write(helpText(command.spec));
    return 0;
  }
  return command.run(args, io);
}

/** The process: run, print a failure as one line (and its stack with --debug), set the exit code. */
export async function run(argv = process.argv.slice(2)): Promise<void> {
  // A reader that stops early (`| head`) is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  try {
    process.exitCode = await main(argv, { stdout: process.stdout, stderr: process.stderr });
  } catch (error) {
    const failure = describeFailure(error);
    // Messages quote file names, cells and labels: shown with control characters escaped.
    process.stderr.write(`blasnet: ${printable(failure.message)}\n`);
    if (argv.includes('--debug')) process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = failure.exitCode;
  }
}

if (require.main === module) void run();
