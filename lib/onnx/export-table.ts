/**
 * A table model's whole pipeline as one ONNX graph, so a server elsewhere feeds raw columns (README "ONNX",
 * "Table models: raw columns in, labels out"): one input per feature column, named exactly as the column,
 * [N, 1]:
 *
 * - numeric: tensor(double), NaN for a missing cell. IsNaN -> Where(missing, median, x) -> Sub(mean) ->
 *   Div(scale), and Cast(IsNaN) to DOUBLE for the "was missing" column. Standard operators rather than
 *   ai.onnx.ml's Imputer and Scaler: those keep their constants as float32 attributes (and Scaler
 *   multiplies by 1/scale), which would move every value off blasnet's by up to 1e-7; Sub and Div on DOUBLE
 *   constants are blasnet's `(x - mean) / scale` bit for bit.
 * - categorical: tensor(string), "" (or any of the model's missing spellings, exactly) for a missing cell.
 *   ai.onnx.ml LabelEncoder maps each kept category to its column, the missing spellings to the "missing"
 *   column, the pooled rare categories to the "other" column and anything else to one past the last
 *   column; Equal against [0 .. width-1] then gives the one-hot row (all zeros for an unseen category).
 *   skl2onnx writes OneHotEncoder(handle_unknown='ignore') as ai.onnx.ml's OneHotEncoder with zeros = 1,
 *   which gives the same row for kept categories but has no way to send several categories (the pooled
 *   rare ones, the missing spellings) to one column; skl2onnx refuses infrequent categories for that reason.
 * - date: tensor(double) holding milliseconds since 1970-01-01T00:00Z (JavaScript's Date#getTime(),
 *   Python's datetime.timestamp() * 1000), NaN for a missing cell. The parts blasnet uses (UTC year, month,
 *   day of month, day of week, hour) are computed in the graph with whole-number arithmetic in DOUBLE
 *   (Howard Hinnant's civil_from_days), exact for every date a JavaScript Date can hold, then imputed and
 *   standardised as numeric columns, with one "was missing" column.
 *
 * The columns are concatenated in the model's order, fed to the network (Cast to FLOAT first for a float32
 * network), and decoded: `label` (classification: tensor(string) [N], the class as `blasnet predict`
 * prints it; regression: tensor(double) [N, targets], in the targets' units) and, for classification,
 * `probabilities` (tensor(double) [N, classes], in the model's class order; one sigmoid unit p gives
 * [1 - p, p]). Every internal value and node is named under `blasnet/`, made unique against the column
 * names, which are claimed first, so a column may be called anything but `label` or `probabilities`.
 */
import { packageVersion } from '../cli/version';
import { TableError } from '../errors';
import type { Dtype } from '../matrix';
import type { CategoricalEncoder, ColumnEncoder, DateEncoder, DatePart, NumericEncoder } from '../table/encoders';
import type { TableSpec } from '../table/model';
import { addNetwork, elementType, networkMetadata, type ExportableNetwork } from './export-network';
import { GraphBuilder, type ElementType } from './graph-builder';
import { DataType } from './proto';
import { IR_VERSION, ML_OPSET_VERSION, OPSET_VERSION } from './versions';

/** The graph's output names (fixed: what a server reads). */
export const TABLE_OUTPUTS = Object.freeze({ label: 'label', probabilities: 'probabilities' });

/** What a graph input of a table model expects, for docs, metadata and servers. */
export interface TableInput {
  /** The input's name: the column's, exactly. */
  name: string;
  kind: ColumnEncoder['kind'];
  /** The tensor element type to feed: `double` (numbers; NaN missing) or `string` ("" missing). */
  type: 'double' | 'string';
}

/** The graph inputs a table model's ONNX file has, in order (one per feature column). */
export function tableInputs(spec: TableSpec): TableInput[] {
  return spec.encoders.map((e) => ({
    name: e.column,
    kind: e.kind,
    type: e.kind === 'categorical' ? 'string' : 'double',
  }));
}

/** Writes `op(a, b)` to a fresh value named from `hint`. */
function binary(g: GraphBuilder, op: string, a: string, b: string, hint: string, prefix: string): string {
  const out = g.fresh(hint);
  g.node(op, [a, b], [out], {}, { prefix: prefix.replace(/\/$/, '') });
  return out;
}

function unary(
  g: GraphBuilder,
  op: string,
  a: string,
  hint: string,
  prefix: string,
  attributes: Parameters<GraphBuilder['node']>[3] = {},
): string {
  const out = g.fresh(hint);
  g.node(op, [a], [out], attributes, { prefix: prefix.replace(/\/$/, '') });
  return out;
}

/** A DOUBLE scalar initializer. */
function constant(g: GraphBuilder, hint: string, value: number): string {
  return g.floatInitializer(hint, [], Float64Array.of(value));
}

/** `(Where(missing, fill, x) - mean) / scale`: blasnet's imputation and standardisation, in DOUBLE. */
function imputeAndScale(
  g: GraphBuilder,
  x: string,
  missing: string,
  fill: number,
  mean: number,
  scale: number,
  p: string,
): string {
  const imputed = g.fresh(`${p}imputed`);
  g.node('Where', [missing, constant(g, `${p}median`, fill), x], [imputed], {}, { prefix: p.replace(/\/$/, '') });
  const centred = binary(g, 'Sub', imputed, constant(g, `${p}mean`, mean), `${p}centred`, p);
  return binary(g, 'Div', centred, constant(g, `${p}scale`, scale), `${p}scaled`, p);
}

function indicator(g: GraphBuilder, missing: string, p: string): string {
  return unary(g, 'Cast', missing, `${p}was_missing`, p, { to: { int: DataType.DOUBLE } });
}

function numeric(g: GraphBuilder, e: NumericEncoder, x: string, p: string): string[] {
  const missing = unary(g, 'IsNaN', x, `${p}missing`, p);
  const pieces = [imputeAndScale(g, x, missing, e.median, e.mean, e.scale, p)];
  if (e.indicator) pieces.push(indicator(g, missing, p));
  return pieces;
}

/** The LabelEncoder's keys and column indices of a categorical encoder (see the file's comment). */
export function categoryKeys(
  e: CategoricalEncoder,
  missingSpellings: readonly string[],
): { keys: string[]; values: number[] } {
  const index = new Map<string, number>();
  e.categories.forEach((c, j) => index.set(c, j));
  const missingIndex = e.categories.length;
  const otherIndex = e.categories.length + (e.missing ? 1 : 0);
  if (e.other) for (const c of e.pooled) if (!index.has(c)) index.set(c, otherIndex);
  // "" is the missing cell a server feeds, whatever the model's spellings (unless "" is itself a category).
  if (e.missing)
    for (const spelling of ['', ...missingSpellings]) if (!index.has(spelling)) index.set(spelling, missingIndex);
  return { keys: [...index.keys()], values: [...index.values()] };
}

function categorical(
  g: GraphBuilder,
  e: CategoricalEncoder,
  x: string,
  missingSpellings: readonly string[],
  p: string,
): string[] {
  const width = e.categories.length + (e.missing ? 1 : 0) + (e.other ? 1 : 0);
  if (width === 0) return [];
  const { keys, values } = categoryKeys(e, missingSpellings);
  const index = g.fresh(`${p}index`);
  // An empty key list is not a valid LabelEncoder: a key no cell can equal stands in (its index is unseen's).
  const safeKeys = keys.length > 0 ? keys : ['\u0000blasnet: no category'];
  const safeValues = keys.length > 0 ? values : [width];
  g.node(
    'LabelEncoder',
    [x],
    [index],
    { keys_strings: { strings: safeKeys }, values_int64s: { ints: safeValues }, default_int64: { int: width } },
    { domain: 'ai.onnx.ml', prefix: p.replace(/\/$/, '') },
  );
  const columns = g.int64Initializer(
    `${p}columns`,
    [1, width],
    Array.from({ length: width }, (_, j) => j),
  );
  const hot = binary(g, 'Equal', index, columns, `${p}hot`, p);
  return [unary(g, 'Cast', hot, `${p}onehot`, p, { to: { int: DataType.DOUBLE } })];
}

/** The UTC date parts of `t` (ms since 1970) as DOUBLE values, computed on demand. */
export function dateParts(g: GraphBuilder, t: string, p: string): (part: DatePart) => string {
  const c = (name: string, v: number) => constant(g, `${p}${name}`, v);
  const op = (name: string, a: string, b: string, hint: string) => binary(g, name, a, b, `${p}${hint}`, p);
  const floorDiv = (a: string, divisor: number, hint: string) =>
    unary(g, 'Floor', op('Div', a, c(`by${divisor}`, divisor), `${hint}_ratio`), `${p}${hint}`, p);
  const cache = new Map<string, string>();
  const once = (key: string, make: () => string) => {
    let v = cache.get(key);
    if (v === undefined) cache.set(key, (v = make()));
    return v;
  };
  const days = () => once('days', () => floorDiv(t, 86_400_000, 'days'));
  // civil_from_days (https://howardhinnant.github.io/date_algorithms.html): every value a whole number
  // below 2^53, every division floored, so DOUBLE arithmetic is exact.
  const civil = () =>
    once('civil', () => {
      const z = op('Add', days(), c('epoch_shift', 719_468), 'z');
      const era = floorDiv(z, 146_097, 'era');
      const doe = op('Sub', z, op('Mul', era, c('days_per_era', 146_097), 'era_days'), 'doe');
      const yoeNumerator = op(
        'Sub',
        op(
          'Add',
          op('Sub', doe, floorDiv(doe, 1460, 'doe_1460'), 'doe_a'),
          floorDiv(doe, 36_524, 'doe_36524'),
          'doe_b',
        ),
        floorDiv(doe, 146_096, 'doe_146096'),
        'doe_c',
      );
      const yoe = floorDiv(yoeNumerator, 365, 'yoe');
      const yearDays = op(
        'Sub',
        op('Add', op('Mul', yoe, c('days_per_year', 365), 'yoe_365'), floorDiv(yoe, 4, 'yoe_4'), 'yoe_leap'),
        floorDiv(yoe, 100, 'yoe_100'),
        'year_days',
      );
      const doy = op('Sub', doe, yearDays, 'doy');
      const mp = floorDiv(op('Add', op('Mul', doy, c('five', 5), 'doy_5'), c('two', 2), 'doy_5_2'), 153, 'mp');
      const monthStart = floorDiv(
        op('Add', op('Mul', mp, c('month_days', 153), 'mp_153'), c('two_b', 2), 'mp_153_2'),
        5,
        'month_start',
      );
      const day = op('Add', op('Sub', doy, monthStart, 'day0'), c('one', 1), 'day');
      const early = op('Less', mp, c('ten', 10), 'mp_lt_10');
      const month = g.fresh(`${p}month`);
      g.node(
        'Where',
        [early, op('Add', mp, c('three', 3), 'mp_3'), op('Sub', mp, c('nine', 9), 'mp_9')],
        [month],
        {},
        { prefix: p.replace(/\/$/, '') },
      );
      const january = unary(g, 'Cast', op('Less', month, c('three_b', 3), 'month_lt_3'), `${p}jan_feb`, p, {
        to: { int: DataType.DOUBLE },
      });
      const year = op(
        'Add',
        op('Add', yoe, op('Mul', era, c('years_per_era', 400), 'era_years'), 'year0'),
        january,
        'year',
      );
      cache.set('year', year);
      cache.set('month', month);
      cache.set('day', day);
      return year;
    });
  return (part) => {
    switch (part) {
      case 'year':
      case 'month':
      case 'day':
        civil();
        return cache.get(part)!;
      case 'weekday':
        // 1970-01-01 was a Thursday (4): (days + 4) mod 7, floored for dates before 1970.
        return once('weekday', () => {
          const shifted = op('Add', days(), c('thursday', 4), 'days_4');
          return op('Sub', shifted, op('Mul', floorDiv(shifted, 7, 'weeks'), c('seven', 7), 'week_days'), 'weekday');
        });
      case 'hour':
        return once('hour', () =>
          floorDiv(
            op('Sub', t, op('Mul', days(), c('ms_per_day', 86_400_000), 'day_ms'), 'ms_of_day'),
            3_600_000,
            'hour',
          ),
        );
    }
  };
}

function date(g: GraphBuilder, e: DateEncoder, x: string, p: string): string[] {
  const missing = unary(g, 'IsNaN', x, `${p}missing`, p);
  const part = dateParts(g, x, p);
  const pieces = e.parts.map((name, k) =>
    imputeAndScale(g, part(name), missing, e.median[k]!, e.mean[k]!, e.scale[k]!, `${p}${name}/`),
  );
  if (e.indicator) pieces.push(indicator(g, missing, p));
  return pieces;
}

/** Refuses column names a graph cannot carry as input names. */
function checkNames(spec: TableSpec): void {
  for (const e of spec.encoders) {
    if (e.column === '') {
      throw new TableError(
        'ERR_ONNX_COLUMN_NAME',
        'A feature column has an empty name, which ONNX cannot use as a graph input name (an empty name means "no input"); rename the column before training',
        { column: e.column },
      );
    }
    if (
      e.column === TABLE_OUTPUTS.label ||
      (e.column === TABLE_OUTPUTS.probabilities && spec.target.task === 'classification')
    ) {
      throw new TableError(
        'ERR_ONNX_COLUMN_NAME',
        `The feature column ${JSON.stringify(e.column)} has the name of the ONNX graph's output ${JSON.stringify(e.column)}; an ONNX graph cannot have an input and an output of one name. Rename the column before training (or export the bare network: net.toONNX(), blasnet export --network-only)`,
        { column: e.column },
      );
    }
  }
}

/**
 * The table model's pipeline as an ONNX model (see this file's comment).
 * @throws {@link TableError} (`ERR_ONNX_COLUMN_NAME`) for a feature column named "" or like an output
 */
export function tableToONNX(spec: TableSpec, net: ExportableNetwork<Dtype>): Uint8Array {
  checkNames(spec);
  const g = new GraphBuilder('blasnet_table_model');
  // Inputs first: they claim the column names, so no internal name can take one.
  const inputs = tableInputs(spec).map((input) => g.input(input.name, input.type, ['N', 1]));
  const target = spec.target;
  const label = g.reserve(TABLE_OUTPUTS.label);
  const probabilities = target.task === 'classification' ? g.reserve(TABLE_OUTPUTS.probabilities) : undefined;

  const pieces: string[] = [];
  spec.encoders.forEach((e, j) => {
    const p = `blasnet/columns.${j}/`;
    if (e.kind === 'numeric') pieces.push(...numeric(g, e, inputs[j]!, p));
    else if (e.kind === 'categorical') pieces.push(...categorical(g, e, inputs[j]!, spec.missing, p));
    else pieces.push(...date(g, e, inputs[j]!, p));
  });
  const features = g.fresh('blasnet/features');
  g.node('Concat', pieces, [features], { axis: { int: 1 } }, { prefix: 'blasnet' });

  // The network in its own element type; everything around it in DOUBLE.
  const type: ElementType = elementType(net.dtype);
  let networkIn = features;
  if (type === 'float')
    networkIn = unary(g, 'Cast', features, 'blasnet/features_float', 'blasnet', { to: { int: DataType.FLOAT } });
  const networkOut = g.fresh('blasnet/network_output');
  addNetwork(g, net, networkIn, networkOut, 'blasnet/network/');
  let outputs = networkOut;
  if (type === 'float')
    outputs = unary(g, 'Cast', networkOut, 'blasnet/network_output_double', 'blasnet', {
      to: { int: DataType.DOUBLE },
    });

  const d = 'blasnet/decode';
  if (target.task === 'classification') {
    const classes = target.classes.length;
    let best: string;
    if (net.dims[net.dims.length - 1] === 1) {
      // One sigmoid unit p = P(second class): probabilities [1 - p, p]; class 1 when p >= 0.5, as predict.
      const complement = binary(g, 'Sub', constant(g, `${d}/one`, 1), outputs, `${d}/complement`, d);
      g.node('Concat', [complement, outputs], [probabilities!], { axis: { int: 1 } }, { prefix: d });
      const second = unary(
        g,
        'Cast',
        binary(g, 'GreaterOrEqual', outputs, constant(g, `${d}/half`, 0.5), `${d}/second`, d),
        `${d}/second_int`,
        d,
        { to: { int: DataType.INT64 } },
      );
      best = binary(g, 'Reshape', second, g.int64Initializer(`${d}/flat`, [1], [-1]), `${d}/best`, d);
    } else {
      g.node('Identity', [outputs], [probabilities!], {}, { prefix: d });
      // ArgMax picks the first of equal maxima, as predict does.
      best = unary(g, 'ArgMax', outputs, `${d}/best`, d, { axis: { int: 1 }, keepdims: { int: 0 } });
    }
    g.node(
      'LabelEncoder',
      [best],
      [label],
      {
        keys_int64s: { ints: target.classes.map((_, k) => k) },
        values_strings: { strings: target.classes },
        default_string: { string: '' },
      },
      { domain: 'ai.onnx.ml', prefix: d },
    );
    g.output(label, 'string', ['N']);
    g.output(probabilities!, 'double', ['N', classes]);
  } else {
    const k = target.columns.length;
    const scaled = binary(
      g,
      'Mul',
      outputs,
      g.floatInitializer(`${d}/scale`, [1, k], Float64Array.from(target.scale)),
      `${d}/scaled`,
      d,
    );
    g.node(
      'Add',
      [scaled, g.floatInitializer(`${d}/mean`, [1, k], Float64Array.from(target.mean))],
      [label],
      {},
      { prefix: d },
    );
    g.output(label, 'double', ['N', k]);
  }

  const metadata = {
    ...networkMetadata(net),
    'blasnet.task': target.task,
    'blasnet.inputs': JSON.stringify(tableInputs(spec)),
    ...(target.task === 'classification'
      ? { 'blasnet.classes': JSON.stringify(target.classes) }
      : { 'blasnet.targets': JSON.stringify(target.columns) }),
  };
  const what =
    target.task === 'classification'
      ? `classifier of ${JSON.stringify(target.column)} (${target.classes.length} classes)`
      : `regression of ${target.columns.map((c) => JSON.stringify(c)).join(', ')}`;
  return g.toBytes({
    producerName: 'blasnet',
    producerVersion: packageVersion(),
    docString: `blasnet table model: ${what} from ${spec.encoders.length} columns, network ${net.dims.join('-')} (${net.dtype})`,
    metadata,
    opsets: [
      { domain: '', version: OPSET_VERSION },
      { domain: 'ai.onnx.ml', version: ML_OPSET_VERSION },
    ],
    irVersion: IR_VERSION,
  });
}
