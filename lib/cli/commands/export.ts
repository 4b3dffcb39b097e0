/**
 * `blasnet export model.blasnet --onnx model.onnx`: the model as an ONNX file, for onnxruntime and the
 * other runtimes (README "ONNX"). A model made by `blasnet train` (a table model) is exported with its
 * whole pipeline, raw columns in and labels out (lib/onnx/export-table.ts); `--network-only` writes the
 * bare network instead, which reads the prepared inputs (standardised, one-hot encoded columns).
 */
import type { CommandSpec, ParsedArgs } from '../args';
import { stringValue } from '../args';
import { DataError, fileError, UsageError } from '../errors';
import { writeFileAtomic } from '../../model/atomic-write';
import { IR_VERSION, ML_OPSET_VERSION, OPSET_VERSION, tableInputs } from '../../onnx';
import { printable } from '../terminal';
import { loadTableModel } from '../table-data';
import { checkWritable, write, type Io } from './shared';

/** export's flags. */
export const EXPORT: CommandSpec = {
  name: 'export',
  summary: 'Write a model as an ONNX file (for onnxruntime in Node, Python, C#, the browser...).',
  positionals: [{ name: 'model', description: 'a model file written by blasnet train or net.save' }],
  options: {
    onnx: { type: 'string', value: '<file.onnx>', description: 'the ONNX file to write (required)' },
    'network-only': {
      type: 'boolean',
      description:
        'export the network alone (input "input": the model\'s prepared inputs, standardised and one-hot encoded) instead of the whole pipeline (one input per raw column)',
    },
  },
};

/** Runs `blasnet export`; resolves with the exit code. */
export async function exportModel(args: ParsedArgs, io: Io): Promise<number> {
  const [modelFile] = args.positionals as [string];
  const out = stringValue(args, 'onnx');
  if (out === undefined)
    throw new UsageError(
      'ERR_CLI_USAGE',
      'export needs --onnx <file.onnx>, the file to write; usage: blasnet export <model> --onnx <file.onnx>',
    );
  checkWritable(out, '--onnx');
  // Exporting computes nothing, so it needs no native addon.
  const { net, model } = await loadTableModel(modelFile, 'js');
  const metadata = net.metadata as { cli?: unknown; table?: unknown };
  // A model made by blasnet train (or TableModel.save) prepares its rows: its whole pipeline is exported,
  // raw columns in, unless --network-only asks for the bare network (which reads prepared inputs).
  const pipeline = (metadata.cli !== undefined || metadata.table !== undefined) && args.values['network-only'] !== true;
  let bytes: Uint8Array;
  try {
    bytes = pipeline ? model.toONNX() : net.toONNX();
  } catch (error) {
    throw new DataError('ERR_CLI_FILE', `cannot export ${modelFile}: ${(error as Error).message}`, { cause: error });
  }
  try {
    await writeFileAtomic(out, bytes);
  } catch (error) {
    throw fileError(error, out, 'cannot write');
  }
  const versions = `ONNX IR ${IR_VERSION} opset ${OPSET_VERSION}${pipeline ? ` + ai.onnx.ml ${ML_OPSET_VERSION}` : ''}, ${bytes.length} bytes`;
  if (pipeline) {
    const inputs = tableInputs(model.spec);
    const shown = inputs
      .slice(0, 6)
      .map((i) => `${printable(JSON.stringify(i.name))} ${i.type}`)
      .join(', ');
    const target = model.spec.target;
    const outputs =
      target.task === 'classification'
        ? `outputs "label" string [N] and "probabilities" double [N, ${target.classes.length}]`
        : `output "label" double [N, ${target.columns.length}]`;
    await write(
      io.stdout,
      `wrote ${printable(out)}: the ${target.task} pipeline, ${inputs.length} input${inputs.length === 1 ? '' : 's'} [N, 1], one per column (${shown}${inputs.length > 6 ? ', ...' : ''}), ${outputs}, network ${net.dims.join('-')} (${net.dtype}), ${versions}\n`,
    );
    return 0;
  }
  await write(
    io.stdout,
    `wrote ${printable(out)}: ${net.dims.join('-')} network (${net.layers.map((l) => l.activation.name).join(', ')}), ${net.dtype === 'float32' ? 'FLOAT' : 'DOUBLE'} tensors, input "input" [N, ${net.inputs}], output "output" [N, ${net.outputs}], ${versions}\n`,
  );
  return 0;
}
