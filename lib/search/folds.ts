/**
 * Seeded k-fold splits, as scikit-learn's KFold(shuffle=True) and StratifiedKFold(shuffle=True): rows are
 * shuffled by blasnet's own generator; with labels, each class is shuffled on its own and dealt round
 * the folds in turn, so every fold holds each class in about the same proportion as the whole set.
 */
import { ValueError } from '../errors';
import { Random } from '../random';

/** One fold: the rows to train on and the rows to score on, each in ascending order. */
export interface Fold {
  train: Uint32Array;
  test: Uint32Array;
}

/**
 * @param rows - how many rows there are
 * @param folds - an integer from 2 to `rows`
 * @param labels - the class of each row, for stratified folds
 */
export function kFolds(rows: number, folds: number, seed: number, labels?: ArrayLike<number>): Fold[] {
  if (!Number.isInteger(folds) || folds < 2 || folds > rows) {
    throw new ValueError(
      'ERR_INVALID_ARGUMENT',
      `Expected options.folds to be an integer from 2 to ${rows} (the rows) but received ${String(folds)}`,
    );
  }
  const random = new Random(seed);
  const foldOf = new Int32Array(rows);
  if (labels === undefined) {
    const order = Array.from({ length: rows }, (_, i) => i);
    random.shuffle(order);
    // Contiguous parts of the shuffled order, the first `rows % folds` one row longer (as KFold).
    let start = 0;
    for (let f = 0; f < folds; f++) {
      const size = Math.floor(rows / folds) + (f < rows % folds ? 1 : 0);
      for (let i = start; i < start + size; i++) foldOf[order[i]!] = f;
      start += size;
    }
  } else {
    const groups = new Map<number, number[]>();
    for (let i = 0; i < rows; i++) {
      const group = groups.get(labels[i]!);
      if (group === undefined) groups.set(labels[i]!, [i]);
      else group.push(i);
    }
    // Dealing continues from fold to fold across classes, so fold sizes differ by at most one.
    let next = 0;
    for (const key of [...groups.keys()].sort((a, b) => a - b)) {
      const members = groups.get(key)!;
      random.shuffle(members);
      for (const row of members) foldOf[row] = next++ % folds;
    }
  }
  return Array.from({ length: folds }, (_, f) => {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < rows; i++) (foldOf[i] === f ? test : train).push(i);
    return { train: Uint32Array.from(train), test: Uint32Array.from(test) };
  });
}
