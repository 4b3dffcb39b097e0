/**
 * The command line's header detection (names, none, scikit-learn's form) and --target. (Reading rows is
 * tested through the table model's readers: test/cli/tables.test.ts.)
 */
import { resolveTarget } from '../../lib/cli/columns';
import { UsageError } from '../../lib/cli/errors';
import { detectHeader } from '../../lib/cli/header';
import type { TableLayout } from '../../lib/cli/table';

describe('detectHeader', () => {
  it('a first line with a word where the second line has a number holds names', () => {
    expect(detectHeader(['a', 'b', 'species'], ['1', '2', 'setosa'], 'auto')).toEqual({
      kind: 'names',
      names: ['a', 'b', 'species'],
    });
  });

  it('string labels alone do not make a header: both lines have a word in that column', () => {
    expect(detectHeader(['5.1', '3.5', 'setosa'], ['4.9', '3', 'setosa'], 'auto')).toEqual({ kind: 'none' });
    expect(detectHeader(['1', '2', '3'], ['4', '5', '6'], 'auto')).toEqual({ kind: 'none' });
  });

  it("recognises scikit-learn's 'n_samples,n_features,class names' line", () => {
    expect(
      detectHeader(['150', '4', 'setosa', 'versicolor', 'virginica'], ['5.1', '3.5', '1.4', '0.2', '0'], 'auto'),
    ).toEqual({
      kind: 'sklearn',
      rows: 150,
      features: 4,
      classes: ['setosa', 'versicolor', 'virginica'],
    });
    // The feature count must match the rows; otherwise it is not that form.
    expect(detectHeader(['150', '9', 'a', 'b'], ['1', '2', '3', '0'], 'auto').kind).toBe('names');
  });

  it('--header yes and no decide', () => {
    expect(detectHeader(['1', '2', '3'], ['4', '5', '6'], 'yes')).toEqual({ kind: 'names', names: ['1', '2', '3'] });
    expect(detectHeader(['a', 'b'], ['1', '2'], 'no')).toEqual({ kind: 'none' });
  });
});

describe('columns', () => {
  const layout = (names: string[] | null, width = names?.length ?? 3): TableLayout => ({
    file: 'data.csv',
    header: names ? { kind: 'names', names } : { kind: 'none' },
    names: names ?? Array.from({ length: width }, (_, j) => `column ${j + 1}`),
    width,
    widthLine: 1,
  });

  it('--target: last, first, a number from 1, or a header name', () => {
    const named = layout(['a', 'species', 'c']);
    expect(resolveTarget('last', named)).toBe(2);
    expect(resolveTarget('first', named)).toBe(0);
    expect(resolveTarget('2', named)).toBe(1);
    expect(resolveTarget('species', named)).toBe(1);
  });

  it('an unknown --target lists the columns and suggests the nearest name', () => {
    const error = (() => {
      try {
        resolveTarget('Specie', layout(['a', 'species', 'c']));
      } catch (e) {
        return e as UsageError;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({
      code: 'ERR_CLI_TARGET',
      message:
        '--target "Specie" is not a column of data.csv (did you mean "species"?); its columns: "a", "species", "c", or first or last',
    });
    expect(() => resolveTarget('4', layout(null))).toThrow(
      '--target "4" is not a column of data.csv; it has no header line, so give a column number from 1 to 3, or first or last',
    );
    expect(() => resolveTarget('x', layout(['x', 'x', 'y']))).toThrow(
      '--target "x" names 2 columns of data.csv (1, 2); pick one by number',
    );
  });
});
