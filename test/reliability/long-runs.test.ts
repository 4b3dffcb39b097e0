/**
 * Issue 14, item 1: a schedule's rates are asked for as epochs arrive, never for a whole run up front, so
 * a run of many epochs costs nothing before it starts (it used to build an array of every epoch's rate:
 * `epochs: 2e8` killed the process, 1e7 took seconds and 0.6 GB before the first epoch); and `epochs` has
 * a documented maximum, MAX_EPOCHS.
 */
import { Matrix, MSE, Network, Sigmoid, ValueError, type Schedule } from '../../lib';
import { describeBackends } from '../helpers/backends';
import { sameBits } from '../helpers/training';

const x = Matrix.from([
  [0, 1],
  [1, 0],
  [1, 1],
  [0, 0],
]);
const y = Matrix.from([[1], [1], [0], [0]]);
const base = { loss: MSE, batchSize: 4, log: null } as const;

class Enough extends Error {}

/** A schedule that counts its calls and throws `Enough` on call number `limit` + 1. */
function counting(limit = Infinity): Schedule & { calls: number } {
  const schedule = ((epoch: number) => {
    schedule.calls++;
    if (schedule.calls > limit) throw new Enough(`stop at epoch ${epoch}`);
    return 0.1 / (1 + epoch);
  }) as Schedule & { calls: number };
  schedule.calls = 0;
  return schedule;
}

describeBackends('many epochs', (backend) => {
  const network = () => new Network([2, 1], [Sigmoid], { seed: 3, backend });

  it('refuses more than MAX_EPOCHS (10,000,000) epochs, in fit and fitAsync, with a coded error naming the limit', async () => {
    for (const epochs of [2e8, 10_000_001]) {
      const net = network();
      const before = net.parameters.slice();
      expect(() => net.fit(x, y, { ...base, epochs, schedule: () => 0.01 })).toThrow(ValueError);
      expect(() => net.fit(x, y, { ...base, epochs })).toThrow(/options\.epochs to be an integer from 1 to 10000000/);
      await expect(net.fitAsync(x, y, { ...base, epochs, schedule: () => 0.01 })).rejects.toMatchObject({
        code: 'ERR_INVALID_ARGUMENT',
      });
      expect(sameBits(net.parameters, before)).toBe(true);
    }
  });

  it('fit asks the schedule for each epoch as it starts: 10,000,000 epochs cost nothing up front', () => {
    const net = network();
    const schedule = counting(3);
    // The fourth call throws: three epochs were trained, and the schedule was never asked ahead.
    expect(() => net.fit(x, y, { ...base, epochs: 10_000_000, schedule })).toThrow(Enough);
    expect(schedule.calls).toBe(4);
    expect(net.epochsTrained).toBe(3);
    // The same three epochs as a three-epoch run with the same rates.
    const replay = network();
    replay.fit(x, y, { ...base, epochs: 3, schedule: counting() });
    expect(sameBits(net.parameters, replay.parameters)).toBe(true);
  });

  it('fitAsync asks in blocks of 1024 epochs: an aborted run of 10,000,000 epochs asked for one block', async () => {
    const net = network();
    const schedule = counting();
    const controller = new AbortController();
    await expect(
      net.fitAsync(x, y, {
        ...base,
        epochs: 10_000_000,
        schedule,
        signal: controller.signal,
        onEpochEnd: (epoch) => void (epoch === 2 && controller.abort()),
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(schedule.calls).toBeLessThanOrEqual(1024);
    expect(net.epochsTrained).toBe(2);
  });

  it('fitAsync over several blocks trains bit for bit as fit, and rejects with a schedule error met in a later block', async () => {
    const sync = network();
    sync.fit(x, y, { ...base, epochs: 2500, schedule: counting() });
    const async = network();
    await async.fitAsync(x, y, { ...base, epochs: 2500, schedule: counting() });
    expect(sameBits(async.parameters, sync.parameters)).toBe(true);
    expect(async.epochsTrained).toBe(2500);

    const failing = network();
    const schedule = counting(1500);
    await expect(failing.fitAsync(x, y, { ...base, epochs: 2500, schedule })).rejects.toThrow(Enough);
    // Rates are asked for a block ahead, so the run stopped where that block began.
    expect(failing.epochsTrained).toBe(1024);
    const replay = network();
    replay.fit(x, y, { ...base, epochs: 1024, schedule: counting() });
    expect(sameBits(failing.parameters, replay.parameters)).toBe(true);
  });
});
