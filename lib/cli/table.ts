/**
 * The layout of a data file as the CLI's readers find it (rows.ts): the header, the column names and the
 * width. (The numeric-only CSV reader that lived here went with tune's move onto the table model.)
 */
import type { Header } from './header';

/** What is known once the first lines are read. */
export interface TableLayout {
  file: string;
  header: Header;
  /** Every column's name (`column 3` without a header). */
  names: string[];
  /** Cells per row. */
  width: number;
  /** The line that fixed the width (the header, or the first data row), for the ragged-row message. */
  widthLine: number;
}
