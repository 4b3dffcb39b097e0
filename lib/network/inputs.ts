/**
 * The shape checks of a network's data arguments: x against the network's inputs, targets against its
 * outputs and x's rows, and the validation rows fit options name.
 */
import { toMatrix, toTargets, type Matrix, type MatrixLike, type TargetsLike } from '../matrix';
import type { Owned } from '../train/fit-async';
import type { ResolvedFitOptions } from '../train/options';
import { shapeMismatch } from '../validate';

/** The shape a network's data must have. */
export interface DataShape {
  readonly dims: readonly number[];
  readonly inputs: number;
  readonly outputs: number;
}

export function checkInputs(net: DataShape, x: MatrixLike, name: string, finite = true): Matrix {
  const input = toMatrix(x, name, { finite });
  if (input.cols !== net.inputs) {
    throw shapeMismatch(
      `Expected ${name} to have ${net.inputs} columns (the network's inputs, dims[0]) but it has ${input.cols}`,
    );
  }
  return input;
}

export function checkPair(
  net: DataShape,
  x: MatrixLike,
  y: TargetsLike,
  { finite = true, names = ['x', 'y'] }: { finite?: boolean; names?: [string, string] } = {},
): { input: Matrix; targets: Matrix } {
  const [xName, yName] = names;
  const input = checkInputs(net, x, xName, finite);
  const targets = toTargets(y, yName, net.outputs, { finite });
  if (targets.cols !== net.outputs) {
    throw shapeMismatch(
      `Expected ${yName} to have ${net.outputs} columns (the network's outputs, dims[${net.dims.length - 1}]) but it has ${targets.cols}`,
    );
  }
  if (targets.rows !== input.rows) {
    throw shapeMismatch(
      `Expected ${xName} and ${yName} to have the same number of rows but ${xName} has ${input.rows} and ${yName} has ${targets.rows}`,
    );
  }
  return { input, targets };
}

/** The validation rows the options ask for, converted and shape-checked (finite values are checked later). */
export function validationSource(
  net: DataShape,
  settings: ResolvedFitOptions,
): { split: number } | { x: Owned; y: Owned } | undefined {
  if (settings.validationSplit !== undefined) return { split: settings.validationSplit };
  if (settings.validationData === undefined) return undefined;
  const [vx, vy] = settings.validationData;
  const { input, targets } = checkPair(net, vx, vy, {
    finite: false,
    names: ['validationData[0]', 'validationData[1]'],
  });
  return { x: { matrix: input, owned: Array.isArray(vx) }, y: { matrix: targets, owned: Array.isArray(vy) } };
}
