/**
 * The argument parser: every flag a command knows parses, every mistake is a UsageError (exit 2) whose
 * message names the flag and what it wanted.
 */
import {
  choiceValue,
  delimiterValue,
  helpText,
  integerValue,
  numberValue,
  parseCommand,
  type CommandSpec,
} from '../../lib/cli/args';
import { UsageError } from '../../lib/cli/errors';
import { parseNumber } from '../../lib/cli/number';

const SPEC: CommandSpec = {
  name: 'train',
  summary: 'Train.',
  positionals: [{ name: 'data.csv', description: 'the data' }],
  options: {
    epochs: { type: 'string', value: '<n>', description: 'passes', default: '200' },
    target: { type: 'string', value: '<column>', description: 'the label' },
    'no-standardize': { type: 'boolean', description: 'raw features' },
    quiet: { type: 'boolean', short: 'q', description: 'quiet' },
    delimiter: { type: 'string', value: '<char>', description: 'separator' },
  },
};

function usage(argv: string[]): string {
  try {
    parseCommand(SPEC, argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('no error');
}

describe('parseCommand', () => {
  it('takes flags before and after the positional argument, --flag=value, short switches and --', () => {
    const args = parseCommand(SPEC, ['--epochs=5', 'data.csv', '-q', '--target', 'species', '--no-standardize']);
    expect(args).toEqual({
      positionals: ['data.csv'],
      values: { epochs: '5', quiet: true, target: 'species', 'no-standardize': true },
      help: false,
    });
    expect(parseCommand(SPEC, ['--', '--odd-name.csv']).positionals).toEqual(['--odd-name.csv']);
    expect(parseCommand(SPEC, ['--target', '-1', 'x.csv']).values.target).toBe('-1');
  });

  it('suggests the closest flag for an unknown one', () => {
    expect(usage(['x.csv', '--epoch', '5'])).toBe(
      'unknown option --epoch for train (did you mean --epochs?); see blasnet train --help',
    );
    expect(usage(['x.csv', '--no-standardise'])).toMatch(/did you mean --no-standardize\?/);
    expect(usage(['x.csv', '--zzzzzzzz'])).toBe('unknown option --zzzzzzzz for train; see blasnet train --help');
    expect(usage(['x.csv', '-x'])).toMatch(/^unknown option -x for train;/);
  });

  it('names a flag given without its value, a value given to a switch, and a repeated flag', () => {
    expect(usage(['x.csv', '--epochs'])).toBe('--epochs needs a value: --epochs <n>');
    expect(usage(['x.csv', '--target', '--epochs', '5'])).toBe('--target needs a value: --target <column>');
    expect(usage(['x.csv', '--quiet=yes'])).toBe('--quiet takes no value but was given "yes"');
    expect(usage(['x.csv', '--epochs', '1', '--epochs', '2'])).toBe('--epochs is given twice; give it once');
  });

  it('counts the positional arguments, and --help skips that check', () => {
    expect(usage([])).toBe('train needs data.csv (the data); usage: blasnet train <data.csv> [options]');
    expect(usage(['a.csv', 'b.csv'])).toBe(
      'train takes 1 argument but was given 2 ("a.csv", "b.csv"); usage: blasnet train <data.csv> [options]',
    );
    expect(parseCommand(SPEC, ['--help']).help).toBe(true);
    expect(parseCommand(SPEC, ['-h']).help).toBe(true);
  });

  it('the help lists every flag with its placeholder and default, and the common ones', () => {
    const help = helpText(SPEC);
    expect(help).toContain('usage: blasnet train <data.csv> [options]');
    expect(help).toMatch(/^ {2}--epochs <n> +passes \(default: 200\)$/m);
    expect(help).toMatch(/^ {2}-q, --quiet +quiet$/m);
    expect(help).toMatch(/^ {2}-h, --help +print this help and exit$/m);
    expect(help).toMatch(/^ {2}--debug +print the stack trace of an error$/m);
  });

  it('a flag too long for its column gets a line of its own, never running into its description', () => {
    const long: CommandSpec = {
      ...SPEC,
      options: {
        task: {
          type: 'string',
          value: '<auto|classification|regression>',
          description: 'what to learn',
          default: 'auto',
        },
      },
    };
    const lines = helpText(long).split('\n');
    const at = lines.indexOf('  --task <auto|classification|regression>');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toBe(`${' '.repeat(28)}what to learn (default: auto)`);
    // Every other entry keeps two spaces at least between the flag and its description.
    for (const line of helpText(SPEC)
      .split('\n')
      .filter((l) => l.startsWith('  -')))
      expect(line).toMatch(/^ {2}\S.{0,23} {2,}\S/);
  });
});

describe('typed flag values', () => {
  const args = (values: Record<string, string>) => ({ positionals: [], values, help: false });
  const message = (f: () => unknown) => {
    try {
      f();
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).code).toBe('ERR_CLI_INVALID_OPTION');
      return (error as Error).message;
    }
    throw new Error('no error');
  };

  it('whole numbers in range, or the default when absent', () => {
    expect(integerValue(args({}), 'epochs', 200, 1)).toBe(200);
    expect(integerValue(args({ epochs: '12' }), 'epochs', 200, 1)).toBe(12);
    expect(message(() => integerValue(args({ epochs: '1.5' }), 'epochs', 200, 1))).toBe(
      '--epochs expects a whole number >= 1 but was given "1.5"',
    );
    expect(message(() => integerValue(args({ epochs: '0' }), 'epochs', 200, 1, 10))).toBe(
      '--epochs expects a whole number from 1 to 10 but was given "0"',
    );
    expect(message(() => integerValue(args({ epochs: '1e3' }), 'epochs', 200, 1))).toMatch(/was given "1e3"/);
  });

  it('numbers within open or closed bounds', () => {
    const fraction = { min: 0, max: 1, minInclusive: true, maxInclusive: false, expected: 'a fraction from 0 up to 1' };
    expect(numberValue(args({ split: '0' }), 'split', 0.2, fraction)).toBe(0);
    expect(numberValue(args({ split: '.25' }), 'split', 0.2, fraction)).toBe(0.25);
    expect(message(() => numberValue(args({ split: '1' }), 'split', 0.2, fraction))).toBe(
      '--split expects a fraction from 0 up to 1 but was given "1"',
    );
    expect(message(() => numberValue(args({ split: 'NaN' }), 'split', 0.2, fraction))).toMatch(/was given "NaN"/);
  });

  it('choices, with a suggestion for a typo', () => {
    expect(choiceValue(args({}), 'optimizer', ['adam', 'sgd'], 'adam')).toBe('adam');
    expect(message(() => choiceValue(args({ optimizer: 'Adma' }), 'optimizer', ['adam', 'sgd'], 'adam'))).toBe(
      '--optimizer expects one of adam, sgd but was given "Adma" (did you mean adam?)',
    );
  });

  it('a delimiter is one character, or \\t or tab for a tab', () => {
    expect(delimiterValue(args({}))).toBe(',');
    expect(delimiterValue(args({ delimiter: ';' }))).toBe(';');
    expect(delimiterValue(args({ delimiter: '\\t' }))).toBe('\t');
    expect(delimiterValue(args({ delimiter: 'tab' }))).toBe('\t');
    expect(message(() => delimiterValue(args({ delimiter: ';;' })))).toMatch(/^--delimiter expects one character/);
  });
});

describe('parseNumber: decimal numbers only', () => {
  it.each([
    ['1', 1],
    [' -2.5 ', -2.5],
    ['+.5', 0.5],
    ['3.', 3],
    ['1e-3', 0.001],
    ['6.02E23', 6.02e23],
  ])('%j is %d', (text, value) => expect(parseNumber(text)).toBe(value));

  it.each(['', '  ', 'abc', '0x1A', '0b11', 'Infinity', '-Infinity', 'NaN', '1,5', '1e400', '1 2', '.'])(
    '%j is not a number',
    (text) => {
      expect(parseNumber(text)).toBeUndefined();
    },
  );
});
