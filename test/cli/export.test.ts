/**
 * `blasnet export model --onnx file.onnx`, run as a person runs it: a model saved by a program exports as
 * is; a model made by `blasnet train` (which prepares its rows before the network) exports its whole
 * pipeline, or with --network-only the bare network; the file holds the model's own weights; mistakes get
 * one line and an exit code. (onnxruntime runs the pipelines in test/onnx-runtime/table-models.test.ts.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Network, Relu, Softmax } from '../../lib';
import { compileCli, fixture, type Cli, type CliResult } from '../helpers/cli';

let cli: Cli;
let out: (name: string) => string;

beforeAll(() => {
  cli = compileCli('cli-export');
  out = (name) => path.join(cli.out, name);
});

function expectFailure(result: CliResult, status: number, message: RegExp): void {
  expect({ status: result.status, stderr: result.stderr.trimEnd() }).toEqual({
    status,
    stderr: expect.stringMatching(message),
  });
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
}

describe('blasnet export', () => {
  it("a program's model: the ONNX file holds its weights, loss and metadata", async () => {
    const net = new Network([4, 6, 3], [Relu, Softmax], { seed: 5, backend: 'js' });
    net.metadata = { source: 'a program' };
    await net.save(out('program.blasnet'));
    const result = cli.run(['export', 'program.blasnet', '--onnx', 'program.onnx']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /^wrote program\.onnx: 4-6-3 network \(relu, softmax\), DOUBLE tensors, input "input" \[N, 4\], output "output" \[N, 3\], ONNX IR 7 opset 13, \d+ bytes\n$/,
    );
    const back = Network.fromONNX(fs.readFileSync(out('program.onnx')), { backend: 'js' });
    expect(Array.from(back.parameters)).toEqual(Array.from(net.parameters));
    expect(back.metadata).toEqual({ source: 'a program' });
  });

  it('a model made by blasnet train: its whole pipeline, or with --network-only the network alone', () => {
    const trained = cli.run([
      'train',
      fixture('examples', 'data', 'iris-species.csv'),
      '--target',
      'species',
      '--epochs',
      '5',
      '--out',
      'iris.blasnet',
    ]);
    expect(trained.status).toBe(0);
    const pipeline = cli.run(['export', 'iris.blasnet', '--onnx', 'iris-pipeline.onnx']);
    expect(pipeline.stderr).toBe('');
    expect(pipeline.stdout).toMatch(
      /^wrote iris-pipeline\.onnx: the classification pipeline, 4 inputs \[N, 1\], one per column \("sepal_length" double, "sepal_width" double, "petal_length" double, "petal_width" double\), outputs "label" string \[N\] and "probabilities" double \[N, 3\], network 4-\d+-3 \(float64\), ONNX IR 7 opset 13 \+ ai\.onnx\.ml 2, \d+ bytes\n$/,
    );
    // The pipeline reads four raw columns, not one matrix: not a bare network, so fromONNX refuses it by name.
    expect(() => Network.fromONNX(fs.readFileSync(out('iris-pipeline.onnx')))).toThrow(
      expect.objectContaining({ code: 'ERR_ONNX_GRAPH' }),
    );
    const result = cli.run(['export', 'iris.blasnet', '--onnx', 'iris.onnx', '--network-only']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^wrote iris\.onnx: 4-\d+-3 network/);
    expect(Network.fromONNX(fs.readFileSync(out('iris.onnx'))).dims[0]).toBe(4);
  });

  it('a feature column named like an output ("label"): the pipeline cannot be written and says why; --network-only can', () => {
    const rows = Array.from(
      { length: 40 },
      (_, i) => `${i % 7},${['a', 'b', 'c'][i % 3]},${i % 2 === 0 ? 'yes' : 'no'}`,
    );
    fs.writeFileSync(out('named.csv'), `size,label,answer\n${rows.join('\n')}\n`);
    expect(
      cli.run(['train', 'named.csv', '--target', 'answer', '--epochs', '2', '--out', 'named.blasnet', '-q']).status,
    ).toBe(0);
    expectFailure(
      cli.run(['export', 'named.blasnet', '--onnx', 'named.onnx']),
      1,
      /cannot export named\.blasnet: The feature column "label" has the name of the ONNX graph's output "label".*--network-only/,
    );
    expect(fs.existsSync(out('named.onnx'))).toBe(false);
    expect(cli.run(['export', 'named.blasnet', '--onnx', 'named.onnx', '--network-only']).status).toBe(0);
  });

  it('mistakes: no --onnx, a missing model, a damaged model, an unwritable folder', () => {
    fs.writeFileSync(out('damaged.blasnet'), 'not a model');
    expectFailure(cli.run(['export', 'program.blasnet']), 2, /export needs --onnx <file\.onnx>/);
    expectFailure(cli.run(['export', 'missing.blasnet', '--onnx', 'x.onnx']), 1, /missing\.blasnet.*no such file/);
    expectFailure(cli.run(['export', 'damaged.blasnet', '--onnx', 'x.onnx']), 1, /damaged\.blasnet/);
    expectFailure(
      cli.run(['export', 'program.blasnet', '--onnx', path.join('no-such-folder', 'x.onnx')]),
      1,
      /cannot write --onnx/,
    );
    expectFailure(cli.run(['export', 'program.blasnet', '--onnx']), 2, /--onnx needs a value/);
  });

  it('is listed in the help', () => {
    expect(cli.run(['--help']).stdout).toContain('blasnet export model.blasnet --onnx model.onnx');
    expect(cli.run(['export', '--help']).stdout).toMatch(/--network-only/);
  });
});
