/**
 * Classification or regression, decided from the target column as a person would: labels written as
 * words, or a few distinct whole numbers, are classes (ordered as scikit-learn's LabelEncoder orders
 * them: numbers by value, words by code point); other numbers are a quantity. `--task` overrides. The
 * table model encodes the targets (lib/table/target.ts).
 */
import { DataError, UsageError } from './errors';
import type { Header } from './header';
import type { Task } from './model-info';
import { parseNumber } from './number';

/** At most this many distinct whole numbers make a classification target. */
export const MAX_INTEGER_CLASSES = 20;

/** The task chosen for a target column, and its classes. */
export interface TaskChoice {
  task: Task;
  /** Class names, indexed by class; null for regression. */
  classes: string[] | null;
  /** Whether the labels in the file are class indices whose names came from a scikit-learn header. */
  labelsAreIndices: boolean;
  /** Why, in words, for the summary line. */
  reason: string;
}

/** The canonical name of a numeric label, so "1", "1.0" and "+1" are one class. */
const numericKey = (value: number) => String(value);

/**
 * @param targets - the target cell of every row
 * @param lines - each row's line, for messages
 * @throws {@link UsageError} when `--task regression` meets a label that is not a number;
 *   {@link DataError} when there is only one class
 */
export function chooseTask(
  targets: readonly string[],
  lines: readonly number[],
  header: Header,
  forced: Task | undefined,
  file: string,
): TaskChoice {
  const values = targets.map((cell) => parseNumber(cell));
  const firstText = values.findIndex((v) => v === undefined);
  if (forced === 'regression') {
    if (firstText >= 0) {
      throw new UsageError(
        'ERR_CLI_TASK',
        `--task regression needs a numeric target but ${file}, line ${lines[firstText]} has ${JSON.stringify(targets[firstText])}`,
      );
    }
    return { task: 'regression', classes: null, labelsAreIndices: false, reason: '--task regression' };
  }
  let choice: TaskChoice;
  if (firstText >= 0) {
    const classes = [...new Set(targets)].sort();
    choice = { task: 'classification', classes, labelsAreIndices: false, reason: 'the target holds words' };
  } else {
    const numbers = values as number[];
    const distinct = [...new Set(numbers)].sort((a, b) => a - b);
    const integers = numbers.every(Number.isInteger);
    if (header.kind === 'sklearn' && integers && distinct.every((v) => v >= 0 && v < header.classes.length)) {
      return {
        task: 'classification',
        classes: [...header.classes],
        labelsAreIndices: true,
        reason: `the header line names ${header.classes.length} classes (scikit-learn's form)`,
      };
    }
    const few = integers && distinct.length <= MAX_INTEGER_CLASSES && distinct.length * 2 <= numbers.length;
    if (few || forced === 'classification') {
      const reason =
        forced === 'classification'
          ? '--task classification'
          : `the target holds ${distinct.length} distinct whole numbers`;
      choice = { task: 'classification', classes: distinct.map(numericKey), labelsAreIndices: false, reason };
    } else {
      const reason = integers
        ? `the target holds ${distinct.length} distinct whole numbers (classification takes at most ${MAX_INTEGER_CLASSES}, and fewer than half the rows)`
        : 'the target holds fractional numbers';
      return { task: 'regression', classes: null, labelsAreIndices: false, reason };
    }
  }
  if (choice.classes!.length < 2) {
    throw new DataError(
      'ERR_CLI_ONE_CLASS',
      `the target of ${file} holds one value (${JSON.stringify(targets[0])}) on every row: there is nothing to learn`,
    );
  }
  if (forced === 'classification') choice.reason = '--task classification';
  return choice;
}
