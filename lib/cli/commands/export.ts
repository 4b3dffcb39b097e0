/**
 * `blasnet export model.blasnet --onnx model.onnx`: the model as an ONNX file, for onnxruntime and the
 * other runtimes (README "ONNX"). A model made by `blasnet train` prepares its rows (standardisation,
 * encoded columns) before its network; exporting that whole pipeline is not implemented yet, so for such a
 * model the command asks for `--network-only` rather than quietly writing a graph that reads prepared
 * inputs under a name that promises raw ones.
 */
import type { CommandSpec, ParsedArgs } from '../args';
import { stringValue } from '../args';
import { DataError, fileError, UsageError } from '../errors';
import { writeFileAtomic } from '../../model/atomic-write';
import { IR_VERSION, OPSET_VERSION } from '../../onnx';
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
      description: "export the network alone (it reads the model's prepared inputs: standardised, encoded columns)",
    },
  },
};

/** Runs `blasnet export`; resolves with the exit code. */
export async function exportModel(args: ParsedArgs, io: Io): Promise<number> {
  const [modelFile] = args.positionals as [string];
  const out = stringValue(args, 'onnx');
  if (out === undefined) throw new UsageError('ERR_CLI_USAGE', 'export needs --onnx <file.onnx>, the file to write; usage: blasnet export <model> --onnx <file.onnx>');
  checkWritable(out, '--onnx');
  // Exporting computes nothing, so it needs no native addon.
  const { net, model } = await loadTableModel(modelFile, 'js');
  const metadata = net.metadata as { cli?: unknown; table?: unknown };
  const preparesRows = metadata.cli !== undefined || metadata.table !== undefined;
  if (preparesRows && args.values['network-only'] !== true) {
    const { encoders, target } = model.spec;
    const scaled = encoders.some((e) => (e.kind === 'numeric' ? e.scale !== 1 || e.mean !== 0 : e.kind === 'date' && e.parts.length > 0));
    const steps = [
      'selects its feature columns',
      encoders.some((e) => e.kind !== 'categorical' && e.indicator) || encoders.some((e) => e.kind === 'categorical' && e.missing) ? 'imputes missing cells' : undefined,
      encoders.some((e) => e.kind === 'categorical') ? 'one-hot encodes its categories' : undefined,
      encoders.some((e) => e.kind === 'date') ? 'splits dates into parts' : undefined,
      scaled ? 'standardises them' : undefined,
      target.task === 'classification' ? 'names its classes' : target.scale.some((v, j) => v !== 1 || target.mean[j] !== 0) ? 'maps its outputs back to the target\'s units' : undefined,
    ].filter((s) => s !== undefined);
    const columns = encoders.map((e) => e.column);
    const features = `${columns.slice(0, 5).join(', ')}${columns.length > 5 ? ', ...' : ''}`;
    throw new UsageError(
      'ERR_CLI_USAGE',
      `${modelFile} ${metadata.cli !== undefined ? 'was made by blasnet train' : 'is a table model (TableModel.save)'}: around its network it ${steps.join(', ')} (features: ${features}), and exporting that pipeline to ONNX is not supported yet; pass --network-only to export the network alone, which then reads prepared inputs`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = net.toONNX();
  } catch (error) {
    throw new DataError('ERR_CLI_FILE', `cannot export ${modelFile}: ${(error as Error).message}`, { cause: error });
  }
  try {
    await writeFileAtomic(out, bytes);
  } catch (error) {
    throw fileError(error, out, 'cannot write');
  }
  await write(
    io.stdout,
    `wrote ${out}: ${net.dims.join('-')} network (${net.layers.map((l) => l.activation.name).join(', ')}), ${net.dtype === 'float32' ? 'FLOAT' : 'DOUBLE'} tensors, input "input" [N, ${net.inputs}], output "output" [N, ${net.outputs}], ONNX IR ${IR_VERSION} opset ${OPSET_VERSION}, ${bytes.length} bytes\n`,
  );
  return 0;
}
