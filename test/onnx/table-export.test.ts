/**
 * TableModel.toONNX's graph, read back with the official schema (no runtime needed; onnxruntime runs these
 * graphs in test/onnx-runtime/table-models.test.ts): one input per feature column named exactly as the
 * column, in the model's order and of the right type; the outputs; the operator sets; the categories'
 * LabelEncoder keys (kept, missing spellings, pooled -> "other") against a hand-written table; internal
 * names that never take a column's; column names the graph cannot carry refused with a code.
 */
import { TableError, TableModel } from '../../lib';
import { categoryKeys, tableToONNX } from '../../lib/onnx/export-table';
import { DataType, decodeModel, type ModelProto } from '../../lib/onnx/proto';
import type { CategoricalEncoder } from '../../lib/table/encoders';

function rows(count: number, names: { num: string; cat: string; date: string }): Record<string, unknown>[] {
  const colours = ['red', 'green', 'blue'];
  return Array.from({ length: count }, (_, i) => ({
    [names.num]: i % 9 === 0 ? null : (i * 7) % 23,
    [names.cat]: i % 11 === 0 ? 'NA' : i === 5 ? 'mauve' : i === 6 ? 'ochre' : colours[i % 3],
    [names.date]: i % 13 === 0 ? '' : `2020-0${1 + (i % 9)}-1${i % 10}T0${i % 10}:30`,
    target: i % 3 === 0 ? 'a' : i % 3 === 1 ? 'b' : 'c',
    amount: i * 1.5 + (i % 4),
  }));
}

const decode = (bytes: Uint8Array): ModelProto => decodeModel(bytes, 'test');

function fitted(names: { num: string; cat: string; date: string }, target: string | string[] = 'target'): TableModel {
  const ignore: Record<string, 'ignore'> = target === 'target' ? { amount: 'ignore' } : { target: 'ignore' };
  return new TableModel().fit(rows(80, names), {
    target,
    epochs: 2,
    hidden: [4],
    backend: 'js',
    columns: { [names.cat]: 'categorical', ...ignore },
  });
}

describe('TableModel.toONNX: the graph', () => {
  const names = { num: 'weight', cat: 'colour', date: 'seen' };

  it('one [N, 1] input per feature column, named and typed by its kind, in the model order; label and probabilities out', () => {
    const model = fitted(names);
    const graph = decode(model.toONNX()).graph!;
    const inputs = graph.input!.map((i) => [
      i.name,
      i.type!.tensorType!.elemType,
      i.type!.tensorType!.shape!.dim!.map((d) => d.dimParam ?? Number(d.dimValue)),
    ]);
    expect(inputs).toEqual([
      ['weight', DataType.DOUBLE, ['N', 1]],
      ['colour', DataType.STRING, ['N', 1]],
      ['seen', DataType.DOUBLE, ['N', 1]],
    ]);
    const outputs = graph.output!.map((o) => [
      o.name,
      o.type!.tensorType!.elemType,
      o.type!.tensorType!.shape!.dim!.map((d) => d.dimParam ?? Number(d.dimValue)),
    ]);
    expect(outputs).toEqual([
      ['label', DataType.STRING, ['N']],
      ['probabilities', DataType.DOUBLE, ['N', 3]],
    ]);
  });

  it('opset 13 and ai.onnx.ml 2, IR 7; metadata names the inputs, the classes and the table record', () => {
    const model = fitted(names);
    const proto = decode(model.toONNX());
    expect(Number(proto.irVersion)).toBe(7);
    expect(proto.opsetImport!.map((o) => [o.domain ?? '', Number(o.version)])).toEqual([
      ['', 13],
      ['ai.onnx.ml', 2],
    ]);
    const props = Object.fromEntries(proto.metadataProps!.map((p) => [p.key, p.value]));
    expect(JSON.parse(props['blasnet.inputs']!)).toEqual([
      { name: 'weight', kind: 'numeric', type: 'double' },
      { name: 'colour', kind: 'categorical', type: 'string' },
      { name: 'seen', kind: 'date', type: 'double' },
    ]);
    expect(JSON.parse(props['blasnet.classes']!)).toEqual(['a', 'b', 'c']);
    expect(props['blasnet.task']).toBe('classification');
    expect(JSON.parse(props['blasnet.metadata']!).table.encoders).toHaveLength(3);
  });

  it('regression: label is DOUBLE [N, targets] and there is no probabilities output; a column may then be named "probabilities"', () => {
    const model = fitted({ num: 'probabilities', cat: 'colour', date: 'seen' }, ['amount']);
    const graph = decode(model.toONNX()).graph!;
    expect(graph.input!.map((i) => i.name)).toEqual(['probabilities', 'colour', 'seen']);
    expect(
      graph.output!.map((o) => [
        o.name,
        o.type!.tensorType!.elemType,
        o.type!.tensorType!.shape!.dim!.map((d) => d.dimParam ?? Number(d.dimValue)),
      ]),
    ).toEqual([['label', DataType.DOUBLE, ['N', 1]]]);
  });

  it('column names are data: internal values never take one, whatever it is called', () => {
    const odd = { num: 'blasnet/columns.0/imputed', cat: 'blasnet/features', date: 'input' };
    const model = fitted(odd);
    const graph = decode(model.toONNX()).graph!;
    expect(graph.input!.map((i) => i.name)).toEqual([odd.num, odd.cat, odd.date]);
    const produced = [...graph.node!.flatMap((n) => n.output ?? []), ...graph.initializer!.map((t) => t.name)];
    expect(new Set(produced).size).toBe(produced.length);
    for (const name of Object.values(odd)) expect(produced).not.toContain(name);
    // Each input is read by the nodes of its own column only: the first node reading it is its column's.
    const readers = (name: string) => graph.node!.filter((n) => (n.input ?? []).includes(name)).map((n) => n.name);
    expect(readers(odd.num).every((n) => n!.startsWith('blasnet/columns.0/'))).toBe(true);
    expect(readers(odd.cat).every((n) => n!.startsWith('blasnet/columns.1/'))).toBe(true);
    expect(readers(odd.date).every((n) => n!.startsWith('blasnet/columns.2/'))).toBe(true);
  });

  it('refuses, with a code, a feature column named "label" or "probabilities" (the outputs) or ""', () => {
    for (const name of ['label', 'probabilities']) {
      const model = fitted({ num: name, cat: 'colour', date: 'seen' });
      let error: unknown;
      try {
        model.toONNX();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TableError);
      expect(error).toMatchObject({
        code: 'ERR_ONNX_COLUMN_NAME',
        column: name,
        message: expect.stringContaining(`"${name}"`),
      });
    }
    const model = fitted(names);
    const spec = { ...model.spec, encoders: model.spec.encoders.map((e, j) => (j === 0 ? { ...e, column: '' } : e)) };
    expect(() => tableToONNX(spec, model.network)).toThrow(expect.objectContaining({ code: 'ERR_ONNX_COLUMN_NAME' }));
  });
});

describe("the categories' LabelEncoder keys", () => {
  const encoder: CategoricalEncoder = {
    kind: 'categorical',
    column: 'c',
    categories: ['blue', 'red'],
    missing: true,
    other: true,
    pooled: ['mauve', 'ochre'],
    counts: [10, 12],
  };

  it('kept categories to their columns, the missing spellings and "" to "missing", pooled ones to "other"', () => {
    const { keys, values } = categoryKeys(encoder, ['NA', '?', 'NA']);
    expect(Object.fromEntries(keys.map((k, j) => [k, values[j]]))).toEqual({
      blue: 0,
      red: 1,
      mauve: 3,
      ochre: 3,
      '': 2,
      NA: 2,
      '?': 2,
    });
  });

  it('no "missing" column (none in training): missing spellings are left to the default, all zeros', () => {
    const { keys, values } = categoryKeys({ ...encoder, missing: false }, ['NA']);
    expect(Object.fromEntries(keys.map((k, j) => [k, values[j]]))).toEqual({ blue: 0, red: 1, mauve: 2, ochre: 2 });
  });

  it('"" as a category of its own (options.missing without it) stays that category', () => {
    const { keys, values } = categoryKeys({ ...encoder, categories: ['', 'red'] }, ['NA']);
    expect(Object.fromEntries(keys.map((k, j) => [k, values[j]]))).toEqual({
      '': 0,
      red: 1,
      mauve: 3,
      ochre: 3,
      NA: 2,
    });
  });
});
