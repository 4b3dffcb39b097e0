/**
 * Reading CSV files for the command line: header detection (names, none, scikit-learn's form), streaming
 * in chunks, the messages for ragged rows, cells that are not numbers and empty files, and choosing the
 * columns (--target for training, the model's record for predict and evaluate).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

import { resolveTarget, trainingPlan } from '../../lib/cli/columns';
import { DataError, UsageError } from '../../lib/cli/errors';
import { detectHeader } from '../../lib/cli/header';
import { readTable, readTableChunks, type TableLayout } from '../../lib/cli/table';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-cli-table-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string | Buffer): string {
  const target = path.join(dir, name);
  fs.writeFileSync(target, text);
  return target;
}

const allButLast = (layout: TableLayout) => trainingPlan(layout, layout.width - 1);

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('no error');
}

describe('detectHeader', () => {
  it('a first line with a word where the second line has a number holds names', () => {
    expect(detectHeader(['a', 'b', 'species'], ['1', '2', 'setosa'], 'auto')).toEqual({ kind: 'names', names: ['a', 'b', 'species'] });
  });

  it('string labels alone do not make a header: both lines have a word in that column', () => {
    expect(detectHeader(['5.1', '3.5', 'setosa'], ['4.9', '3', 'setosa'], 'auto')).toEqual({ kind: 'none' });
    expect(detectHeader(['1', '2', '3'], ['4', '5', '6'], 'auto')).toEqual({ kind: 'none' });
  });

  it("recognises scikit-learn's 'n_samples,n_features,class names' line", () => {
    expect(detectHeader(['150', '4', 'setosa', 'versicolor', 'virginica'], ['5.1', '3.5', '1.4', '0.2', '0'], 'auto')).toEqual({
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

describe('readTable', () => {
  it('reads features and target cells, with quoted fields, CRLF line ends, a BOM and empty lines', async () => {
    const name = file('quoted.csv', '\uFEFFwidth,"height, cm",label\r\n1,2,"a, b"\r\n\r\n3,4,"say ""hi"""\r\n');
    const table = await readTable(name, {}, allButLast);
    expect(table.layout.names).toEqual(['width', 'height, cm', 'label']);
    expect(table.features.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(table.targets).toEqual(['a, b', 'say "hi"']);
    expect(table.lines).toEqual([2, 4]);
  });

  it('decompresses .gz files and reads stdin-sized files in chunks of the asked size', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => `${i},${i * 2},${i % 2}`).join('\n');
    const name = file('rows.csv.gz', zlib.gzipSync(`${rows}\n`));
    const sizes: number[] = [];
    for await (const chunk of readTableChunks(name, { chunkRows: 4 }, allButLast)) sizes.push(chunk.features.rows);
    expect(sizes).toEqual([4, 4, 2]);
    const table = await readTable(name, { chunkRows: 4 }, allButLast);
    expect(Array.from(table.features.row(9))).toEqual([9, 18]);
    expect(table.targets.join('')).toBe('0101010101');
  });

  it('another delimiter', async () => {
    const table = await readTable(file('semi.csv', 'a;b;y\n1,5;2;x\n'.replace('1,5', '1.5')), { delimiter: ';' }, allButLast);
    expect(table.features.toArray()).toEqual([[1.5, 2]]);
  });

  it('names the line and both counts of a ragged row', async () => {
    const error = await failure(readTable(file('ragged.csv', 'a,b,c\n1,2,3\n4,5\n'), {}, allButLast));
    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({ code: 'ERR_CSV_RAGGED', message: `${dir}/ragged.csv, line 3: expected 3 cells (as line 1 has) but found 2` });
    const noHeader = await failure(readTable(file('ragged2.csv', '1,2,3\n4,5,6\n7,8,9,10\n'), {}, allButLast));
    expect(noHeader.message).toBe(`${dir}/ragged2.csv, line 3: expected 3 cells (as line 1 has) but found 4`);
  });

  it('names the line, column and value of a feature cell that is not a number', async () => {
    const error = await failure(readTable(file('text.csv', 'a,b,c\n1,2,x\n3,0x10,y\n'), {}, allButLast));
    expect(error).toMatchObject({ code: 'ERR_CSV_NOT_A_NUMBER', message: `${dir}/text.csv, line 3, column 2 ("b"): expected a number but found "0x10"` });
    const blank = await failure(readTable(file('blank.csv', '1,,x\n'), { header: 'no' }, allButLast));
    expect(blank.message).toBe(`${dir}/blank.csv, line 1, column 2: expected a number but found an empty cell (missing values are not supported: fill or drop them first)`);
  });

  it('an empty file, a header without rows, an empty target cell, an unclosed quote and bad gzip are data errors', async () => {
    expect((await failure(readTable(file('empty.csv', '\n\n'), {}, allButLast))).message).toBe(`${dir}/empty.csv holds no rows`);
    expect((await failure(readTable(file('header.csv', 'a,b,c\n'), {}, allButLast))).message).toBe(`${dir}/header.csv holds a header line but no data rows`);
    expect((await failure(readTable(file('no-label.csv', 'a,b,c\n1,2,x\n1,2,\n'), {}, allButLast))).message).toBe(`${dir}/no-label.csv, line 3: the target, column 3 ("c"), is empty`);
    const quote = await failure(readTable(file('quote.csv', 'a,b\n1,"2\n'), {}, allButLast));
    expect(quote).toMatchObject({ code: 'ERR_CSV_SYNTAX' });
    expect(quote.message).toMatch(/quote\.csv is not valid CSV, line 2: .*quote/i);
    const gzip = await failure(readTable(file('fake.csv.gz', 'a,b\n1,2\n'), {}, allButLast));
    expect(gzip).toMatchObject({ code: 'ERR_CLI_GZIP' });
    expect(gzip.message).toMatch(/^cannot read .*fake\.csv\.gz: it is not valid gzip/);
  });

  it('a missing file is a DataError naming it', async () => {
    const error = await failure(readTable(path.join(dir, 'nope.csv'), {}, allButLast));
    expect(error).toMatchObject({ code: 'ERR_CLI_FILE', message: `cannot read ${dir}/nope.csv: no such file or directory` });
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
    expect(trainingPlan(named, 1).features).toEqual([0, 2]);
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
      message: '--target "Specie" is not a column of data.csv (did you mean "species"?); its columns: "a", "species", "c", or first or last',
    });
    expect(() => resolveTarget('4', layout(null))).toThrow('--target "4" is not a column of data.csv; it has no header line, so give a column number from 1 to 3, or first or last');
    expect(() => resolveTarget('x', layout(['x', 'x', 'y']))).toThrow('--target "x" names 2 columns of data.csv (1, 2); pick one by number');
  });
});
