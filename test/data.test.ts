import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

import {
  Matrix,
  oneHot,
  readCsv,
  splitColumn,
  Standardizer,
  takeRows,
  trainTestSplit,
  ValueError,
  ShapeError,
} from '../lib';

function tempFile(name: string, contents: string | Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-data-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, contents);
  return file;
}

describe('readCsv', () => {
  it('reads numbers, detects a header, and decompresses .gz', () => {
    const text = 'a,b,label\n1,2.5,0\n-3,4e2,1\n';
    const plain = readCsv(tempFile('t.csv', text));
    expect(plain.header).toEqual(['a', 'b', 'label']);
    expect(plain.data.toArray()).toEqual([
      [1, 2.5, 0],
      [-3, 400, 1],
    ]);
    const gz = readCsv(tempFile('t.csv.gz', zlib.gzipSync('1,2\n3,4\n')));
    expect(gz.header).toBeUndefined();
    expect(gz.data.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('reads the shipped digits set: 1797 rows, 64 pixels and a label', () => {
    const { data } = readCsv(path.join(__dirname, '..', 'examples', 'data', 'digits.csv.gz'));
    expect([data.rows, data.cols]).toEqual([1797, 65]);
    const { features, labels } = splitColumn(data);
    expect(features.cols).toBe(64);
    expect(Math.max(...features.data)).toBe(16);
    expect(new Set(labels).size).toBe(10);
  });

  it('names the line and column of a bad cell, and the line of a ragged row', () => {
    expect(() => readCsv(tempFile('bad.csv', '1,2\n3,x\n'))).toThrow(
      /line 2, column 2: expected a number but found "x"/,
    );
    expect(() => readCsv(tempFile('ragged.csv', '1,2\n3\n'))).toThrow(ShapeError);
  });
});

describe('oneHot and splitColumn', () => {
  it('encodes labels as one-hot rows', () => {
    expect(oneHot([2, 0, 1]).toArray()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(oneHot([1], 4).toArray()).toEqual([[0, 1, 0, 0]]);
    expect(() => oneHot([0.5])).toThrow(ValueError);
    expect(() => oneHot([3], 3)).toThrow(/labels\[0\]/);
  });

  it('splits off any column', () => {
    const { features, labels } = splitColumn(
      Matrix.from([
        [1, 2, 3],
        [4, 5, 6],
      ]),
      1,
    );
    expect(features.toArray()).toEqual([
      [1, 3],
      [4, 6],
    ]);
    expect(Array.from(labels)).toEqual([2, 5]);
  });
});

describe('trainTestSplit', () => {
  it('is seeded, disjoint, complete and keeps row order within each part', () => {
    const a = trainTestSplit(100, { testFraction: 0.25, seed: 3 });
    const b = trainTestSplit(100, { testFraction: 0.25, seed: 3 });
    expect(a).toEqual(b);
    expect(a.test.length).toBe(25);
    expect([...a.train, ...a.test].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...a.train]).toEqual([...a.train].sort((x, y) => x - y));
    expect(trainTestSplit(100, { testFraction: 0.25, seed: 4 }).test).not.toEqual(a.test);
  });

  it('stratifies: every class is held out in proportion', () => {
    const labels = [...new Array(60).fill(0), ...new Array(30).fill(1), ...new Array(10).fill(2)];
    const { test } = trainTestSplit(100, { testFraction: 0.2, seed: 1, stratify: labels });
    const counts = [0, 0, 0];
    for (const i of test) counts[labels[i]!]! += 1;
    expect(counts).toEqual([12, 6, 2]);
  });
});

describe('Standardizer', () => {
  it('fits on one set and applies the same statistics to another; constant columns become 0', () => {
    const train = Matrix.from([
      [1, 10, 5],
      [3, 30, 5],
    ]);
    const scaler = Standardizer.fit(train);
    expect(Array.from(scaler.mean)).toEqual([2, 20, 5]);
    expect(Array.from(scaler.scale)).toEqual([1, 10, 1]);
    expect(scaler.transform(train).toArray()).toEqual([
      [-1, -1, 0],
      [1, 1, 0],
    ]);
    expect(scaler.transform([[2, 40, 6]]).toArray()).toEqual([[0, 2, 1]]);
    expect(() => scaler.transform([[1, 2]])).toThrow(/3 columns/);
  });

  it('takes rows by index', () => {
    expect(takeRows(Matrix.from([[1], [2], [3]]), [2, 0]).toArray()).toEqual([[3], [1]]);
  });
});
