/**
 * Learning-rate schedules: small functions from the epoch to a learning rate, with PyTorch's
 * definitions (`StepLR`, `ExponentialLR`, `CosineAnnealingLR`). `epoch` counts the network's completed
 * epochs from 0, across fit calls, so a resumed run continues its schedule.
 *
 *   net.fit(x, y, { optimizer: new SGD({ momentum: 0.9 }), schedule: schedules.cosine({ initial: 0.1, epochs: 50 }) });
 */
import { integerIn, invalid, numberIn, optionsObject, positiveNumber } from './validate';

/** A learning rate for each epoch (0-based). */
export type Schedule = (epoch: number) => number;

/**
 * The learning rate of the network's epoch `epoch` (counted over its life, from 0) from a schedule,
 * checked. Rates are asked for as epochs arrive, never for a whole run up front, so that a run of many
 * epochs costs no memory or time before it starts (the first epoch's is asked for before training, so a
 * broken schedule usually fails before anything changes).
 * A rate of 0 is legal (PyTorch's CosineAnnealingLR reaches it at T_max): that epoch leaves the weights as
 * they are, or only decays them. A negative, NaN or infinite rate is an error.
 * @internal What fit and fitAsync ask of a schedule; not part of the documented API.
 */
export function scheduledRate(schedule: Schedule, epoch: number): number {
  const rate = schedule(epoch);
  if (typeof rate !== 'number' || !(rate >= 0) || !Number.isFinite(rate)) {
    throw invalid('ERR_INVALID_ARGUMENT', `options.schedule(${epoch})`, 'a finite learning rate of 0 or more', rate);
  }
  return rate;
}

/** `initial * gamma^floor(epoch / stepSize)`, as `torch.optim.lr_scheduler.StepLR`. */
export function step(options: { initial: number; stepSize: number; gamma?: number }): Schedule {
  const given = optionsObject('options', options, ['initial', 'stepSize', 'gamma'] as const);
  const initial = positiveNumber('options.initial', given.initial);
  const stepSize = integerIn('options.stepSize', given.stepSize, 1);
  const gamma = numberIn('options.gamma', given.gamma ?? 0.1, 0, Number.MAX_VALUE);
  return (epoch) => initial * gamma ** Math.floor(epoch / stepSize);
}

/** `initial * gamma^epoch`, as `torch.optim.lr_scheduler.ExponentialLR`. */
export function exponential(options: { initial: number; gamma: number }): Schedule {
  const given = optionsObject('options', options, ['initial', 'gamma'] as const);
  const initial = positiveNumber('options.initial', given.initial);
  const gamma = numberIn('options.gamma', given.gamma, 0, Number.MAX_VALUE);
  return (epoch) => initial * gamma ** epoch;
}

/**
 * `minimum + (initial - minimum) (1 + cos(pi epoch / epochs)) / 2`, as
 * `torch.optim.lr_scheduler.CosineAnnealingLR(T_max = epochs, eta_min = minimum)` (closed form): it reaches
 * `minimum` at `epochs` (a rate of exactly 0 with the default minimum, which fit accepts: that epoch does not
 * move the weights) and, as PyTorch's does, keeps following the cosine after it, back up to `initial` at
 * `2 epochs`, and so on. Checked against PyTorch's own rates (test/fixtures/schedule-reference.json).
 */
export function cosine(options: { initial: number; epochs: number; minimum?: number }): Schedule {
  const given = optionsObject('options', options, ['initial', 'epochs', 'minimum'] as const);
  const initial = positiveNumber('options.initial', given.initial);
  const epochs = integerIn('options.epochs', given.epochs, 1);
  const minimum = numberIn('options.minimum', given.minimum ?? 0, 0, initial);
  return (epoch) => minimum + ((initial - minimum) * (1 + Math.cos((Math.PI * epoch) / epochs))) / 2;
}
