/**
 * networkSteps is many networkGradients calls in one: the same bits, whatever the split, and it stops at
 * the first non-finite loss with that batch's update skipped. The fused plain-SGD update refuses to write
 * a non-finite parameter.
 */
import { ActivationCode as Act, LossCode as Loss } from '../../lib';
import { NetworkLayout } from '../../lib/backend/layout';
import { Random } from '../../lib/random';
import { describeBackends } from '../helpers/backends';
import { sameBits } from '../helpers/training';

const layout = new NetworkLayout([6, 5, 3], [Act.tanh, Act.softmax]);
const capacity = 4;

function setup() {
  const random = new Random(9);
  const params = Float64Array.from({ length: layout.parameterCount }, () => random.normal() * 0.5);
  const X = Float64Array.from({ length: 20 * 6 }, () => random.normal());
  const Y = new Float64Array(20 * 3);
  for (let i = 0; i < 20; i++) Y[i * 3 + random.integer(3)] = 1;
  const order = Uint32Array.from({ length: 20 }, () => random.integer(20));
  return { params, X, Y, order };
}

describeBackends('networkSteps', (b) => {
  const code = layout.encode();

  it('equals the same minibatches one networkGradients call at a time, bit for bit', () => {
    const one = setup();
    const many = setup();
    const workspace = () => new Float64Array(layout.workspaceSize(capacity));
    const losses = new Float64Array(5);
    // Rows 1 .. 18 (offset 1) in batches of 4: 4 + 4 + 4 + 4 + 2.
    const ran = b.networkSteps(
      code,
      many.params,
      new Float64Array(layout.parameterCount),
      workspace(),
      capacity,
      Loss.crossEntropy,
      many.X,
      many.Y,
      many.order,
      1,
      4,
      18,
      0.1,
      losses,
    );
    expect(ran).toBe(5);
    const ws = workspace();
    const grads = new Float64Array(layout.parameterCount);
    const single: number[] = [];
    for (let start = 0; start < 18; start += 4) {
      single.push(
        b.networkGradients(
          code,
          one.params,
          grads,
          ws,
          capacity,
          Loss.crossEntropy,
          one.X,
          one.Y,
          one.order,
          1 + start,
          Math.min(4, 18 - start),
          0.1,
        ),
      );
    }
    expect(sameBits(many.params, one.params)).toBe(true);
    expect(Array.from(losses)).toEqual(single);
  });

  it('stops after the first non-finite loss, leaving that batch unapplied', () => {
    const { params, X, Y, order } = setup();
    // A NaN target makes the loss of the batch holding it NaN (an infinite input would saturate tanh and show
    // up only a batch later, through the weights). Position 5 is in the second batch of 4; make sure the
    // row does not also appear in the first batch.
    for (let i = 0; i < 4; i++) if (order[i] === order[5]) order[i] = (order[5]! + 1) % 20;
    Y[order[5]! * 3] = NaN;
    const before = params.slice();
    const losses = new Float64Array(5).fill(-1);
    const ran = b.networkSteps(
      code,
      params,
      new Float64Array(layout.parameterCount),
      new Float64Array(layout.workspaceSize(capacity)),
      capacity,
      Loss.crossEntropy,
      X,
      Y,
      order,
      0,
      4,
      20,
      0.1,
      losses,
    );
    expect(ran).toBe(2);
    expect(Number.isFinite(losses[0])).toBe(true);
    expect(Number.isNaN(losses[1]!) || !Number.isFinite(losses[1]!)).toBe(true);
    expect(losses[2]).toBe(-1); // never reached
    // Only the first batch's update was applied: redo it alone and compare.
    const replay = setup();
    b.networkGradients(
      code,
      replay.params,
      new Float64Array(layout.parameterCount),
      new Float64Array(layout.workspaceSize(capacity)),
      capacity,
      Loss.crossEntropy,
      X,
      Y,
      order,
      0,
      4,
      0.1,
    );
    expect(sameBits(params, replay.params)).toBe(true);
    expect(sameBits(params, before)).toBe(false);
  });

  it('refuses a plain SGD update that would make a parameter non-finite: Infinity, params untouched', () => {
    // Identity layers and targets of 1e3: squared error's deltas are in the hundreds, so some gradient
    // exceeds 1 in magnitude and MAX_VALUE times it overflows.
    const linear = new NetworkLayout([6, 5, 3], [Act.identity, Act.identity]);
    const linearCode = linear.encode();
    const { params, X, Y, order } = setup();
    Y.fill(1e3);
    const before = params.slice();
    const grads = new Float64Array(linear.parameterCount);
    const ws = new Float64Array(linear.workspaceSize(capacity));
    // The same minibatch's gradients without an update, for the check below.
    const loss = b.networkGradients(
      linearCode,
      params,
      grads,
      ws,
      capacity,
      Loss.meanSquaredError,
      X,
      Y,
      order,
      0,
      4,
      0,
    );
    const expected = grads.slice();
    expect(expected.some((g) => Math.abs(g) > 1)).toBe(true);
    expect(
      b.networkGradients(
        linearCode,
        params,
        grads,
        ws,
        capacity,
        Loss.meanSquaredError,
        X,
        Y,
        order,
        0,
        4,
        Number.MAX_VALUE,
      ),
    ).toBe(Infinity);
    expect(sameBits(params, before)).toBe(true);
    expect(sameBits(grads, expected)).toBe(true);
    // A rate whose update stays finite is applied, and the loss is the batch's own.
    expect(
      b.networkGradients(linearCode, params, grads, ws, capacity, Loss.meanSquaredError, X, Y, order, 0, 4, 1e-6),
    ).toBe(loss);
    expect(sameBits(params, before)).toBe(false);

    // networkSteps stops at the refused batch, recording it as Infinity.
    params.set(before);
    const losses = new Float64Array(5).fill(-1);
    const ran = b.networkSteps(
      linearCode,
      params,
      grads,
      ws,
      capacity,
      Loss.meanSquaredError,
      X,
      Y,
      order,
      0,
      4,
      20,
      Number.MAX_VALUE,
      losses,
    );
    expect(ran).toBe(1);
    expect(losses[0]).toBe(Infinity);
    expect(losses[1]).toBe(-1);
    expect(sameBits(params, before)).toBe(true);
  });

  it('checks its own arguments: batch size within capacity, enough room for the losses', () => {
    const { params, X, Y, order } = setup();
    const args = (batchSize: number, losses: Float64Array) =>
      b.networkSteps(
        code,
        params,
        new Float64Array(layout.parameterCount),
        new Float64Array(layout.workspaceSize(capacity)),
        capacity,
        Loss.crossEntropy,
        X,
        Y,
        order,
        0,
        batchSize,
        20,
        0.1,
        losses,
      );
    expect(() => args(5, new Float64Array(4))).toThrow(
      /expected batchSize to be at most capacity \(4\) but received 5/,
    );
    expect(() => args(0, new Float64Array(4))).toThrow(/expected batchSize to be at least 1/);
    expect(() => args(4, new Float64Array(4))).toThrow(
      /expected losses to hold at least ceil\(rows\/batchSize\) = 5 elements/,
    );
  });
});
