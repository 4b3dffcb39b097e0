/**
 * Argument parsing: node:util's parseArgs splits the command line into tokens, and this file checks them
 * against a command's table of options, so that every mistake gets a message that names the flag and
 * what it wanted (parseArgs' own strict mode says "Unknown option '--epoch'" and stops there: no
 * suggestion, and `--target --epochs 5` would quietly take "--epochs" as the target).
 */
import { parseArgs } from 'node:util';

import { closest } from '../validate';
import { UsageError } from './errors';
import { parseNumber } from './number';

/** One flag of a command. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Placeholder in the help, e.g. `<n>`. */
  value?: string;
  description: string;
  /** The default, as shown in the help (the command applies it). */
  default?: string;
  short?: string;
}

/** A command's name, arguments and flags: what the parser checks and the help prints. */
export interface CommandSpec {
  name: string;
  summary: string;
  /** Positional arguments, in order; all are required. */
  positionals: { name: string; description: string }[];
  options: Record<string, OptionSpec>;
}

/** What every command accepts besides its own flags. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'print this help and exit' },
  debug: { type: 'boolean', description: 'print the stack trace of an error' },
};

/** A parsed command line: positional arguments, and each flag's value (a string, or true for a switch). */
export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
  help: boolean;
}

/**
 * Checks `argv` against `spec`.
 * @throws {@link UsageError} for an unknown flag (suggesting the closest), a flag without its value, a
 *   value given to a switch, a repeated flag, or the wrong number of positional arguments
 */
export function parseCommand(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const options = { ...spec.options, ...COMMON_OPTIONS };
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, option] of Object.entries(options)) {
    config[name] = option.short === undefined ? { type: option.type } : { type: option.type, short: option.short };
  }
  const { tokens } = parseArgs({
    args: [...argv],
    options: config,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: ParsedArgs['values'] = {};
  const positionals: string[] = [];
  const known = Object.keys(options).map((name) => `--${name}`);
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind === 'option-terminator') continue;
    const option = options[token.name];
    if (option === undefined) {
      const suggestion = token.rawName.startsWith('--') ? closest(token.rawName, known) : undefined;
      throw new UsageError(
        'ERR_CLI_UNKNOWN_OPTION',
        `unknown option ${token.rawName} for ${spec.name}${suggestion ? ` (did you mean ${suggestion}?)` : ''}; see blasnet ${spec.name} --help`,
      );
    }
    if (values[token.name] !== undefined) {
      throw new UsageError('ERR_CLI_USAGE', `--${token.name} is given twice; give it once`);
    }
    if (option.type === 'boolean') {
      if (token.value !== undefined) {
        throw new UsageError(
          'ERR_CLI_USAGE',
          `--${token.name} takes no value but was given ${JSON.stringify(token.value)}`,
        );
      }
      values[token.name] = true;
    } else {
      // Without a value parseArgs leaves it undefined; "--target --epochs 5" gives "--epochs" as the value.
      if (token.value === undefined || (!token.inlineValue && /^--[a-z]/.test(token.value))) {
        throw new UsageError(
          'ERR_CLI_USAGE',
          `--${token.name} needs a value${option.value ? `: --${token.name} ${option.value}` : ''}`,
        );
      }
      values[token.name] = token.value;
    }
  }
  const help = values.help === true;
  if (!help) {
    if (positionals.length < spec.positionals.length) {
      const missing = spec.positionals[positionals.length]!;
      throw new UsageError(
        'ERR_CLI_USAGE',
        `${spec.name} needs ${missing.name} (${missing.description}); usage: ${usageLine(spec)}`,
      );
    }
    if (positionals.length > spec.positionals.length) {
      throw new UsageError(
        'ERR_CLI_USAGE',
        `${spec.name} takes ${spec.positionals.length} argument${spec.positionals.length === 1 ? '' : 's'} but was given ${positionals.length} (${positionals.map((p) => JSON.stringify(p)).join(', ')}); usage: ${usageLine(spec)}`,
      );
    }
  }
  return { positionals, values, help };
}

/** `blasnet train <data.csv> [options]` */
export function usageLine(spec: CommandSpec): string {
  return ['blasnet', spec.name, ...spec.positionals.map((p) => `<${p.name}>`), '[options]'].join(' ');
}

/**
 * One help entry: the name in a 26-character column, then its description; a name too long to leave two
 * spaces goes on a line of its own, the description under the column (as argparse does), so the two never
 * run together (`--task <auto|classification|regression>what to learn`, before).
 */
function helpEntry(name: string, text: string): string {
  const column = 26;
  return name.length <= column - 2 ? `  ${name.padEnd(column)}${text}` : `  ${name}\n  ${' '.repeat(column)}${text}`;
}

/** The help text of a command: usage, arguments, and every flag with its default. */
export function helpText(spec: CommandSpec): string {
  const lines = [`${spec.summary}`, '', `usage: ${usageLine(spec)}`, ''];
  if (spec.positionals.length > 0) {
    lines.push('arguments:');
    for (const p of spec.positionals) lines.push(helpEntry(`<${p.name}>`, p.description));
    lines.push('');
  }
  lines.push('options:');
  for (const [name, option] of Object.entries({ ...spec.options, ...COMMON_OPTIONS })) {
    const flag = `${option.short ? `-${option.short}, ` : ''}--${name}${option.value ? ` ${option.value}` : ''}`;
    const text =
      option.default === undefined ? option.description : `${option.description} (default: ${option.default})`;
    lines.push(helpEntry(flag, text));
  }
  return `${lines.join('\n')}\n`;
}

// --- typed values -------------------------------------------------------------------------------------

function invalidValue(name: string, expected: string, value: string, hint = ''): UsageError {
  return new UsageError(
    'ERR_CLI_INVALID_OPTION',
    `--${name} expects ${expected} but was given ${JSON.stringify(value)}${hint}`,
  );
}

/** An integer flag in [min, max]. */
export function integerValue(
  args: ParsedArgs,
  name: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = args.values[name];
  if (typeof raw !== 'string') return fallback;
  const value = /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `a whole number >= ${min}` : `a whole number from ${min} to ${max}`;
    throw invalidValue(name, range, raw);
  }
  return value;
}

/** A number flag in (or at) the bounds. */
export function numberValue(
  args: ParsedArgs,
  name: string,
  fallback: number | undefined,
  check: { min: number; max: number; minInclusive: boolean; maxInclusive: boolean; expected: string },
): number | undefined {
  const raw = args.values[name];
  if (typeof raw !== 'string') return fallback;
  const value = parseNumber(raw);
  const ok =
    value !== undefined &&
    (check.minInclusive ? value >= check.min : value > check.min) &&
    (check.maxInclusive ? value <= check.max : value < check.max);
  if (!ok) throw invalidValue(name, check.expected, raw);
  return value;
}

/** One of a few words. */
export function choiceValue<T extends string>(args: ParsedArgs, name: string, choices: readonly T[], fallback: T): T {
  const raw = args.values[name];
  if (typeof raw !== 'string') return fallback;
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  const suggestion = closest(raw, choices);
  throw invalidValue(name, `one of ${choices.join(', ')}`, raw, suggestion ? ` (did you mean ${suggestion}?)` : '');
}

/** A string flag, or undefined when not given. */
export function stringValue(args: ParsedArgs, name: string): string | undefined {
  const raw = args.values[name];
  return typeof raw === 'string' ? raw : undefined;
}

/** `--delimiter`: one character, or `\t` for a tab (a literal tab is awkward to type). Default `,`. */
export function delimiterValue(args: ParsedArgs): string {
  const raw = stringValue(args, 'delimiter') ?? ',';
  if (raw === '\\t' || raw === 'tab') return '\t';
  if (raw.length !== 1) throw invalidValue('delimiter', 'one character (or \\t for a tab)', raw);
  return raw;
}
