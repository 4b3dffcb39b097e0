/**
 * Type tests for the public API (as sharp's tsd tests): `tsc --noEmit` in `npm test` checks these
 * expectTypeOf lines (expect-type), so a signature that widens, narrows or loses a generic fails the type
 * check. They import 'blasnet' as a user does (tsconfig.json's paths map it to lib/). The one jest test
 * only keeps jest from calling the file empty; the assertions are the compile.
 */
import { expectTypeOf } from 'expect-type';

import {
  Adam,
  BlasnetError,
  CrossEntropy,
  Matrix,
  ModelFormatError,
  Network,
  Relu,
  Softmax,
  type BlasnetErrorCode,
  type Dtype,
  type Evaluation,
  type FitOptions,
  type GradientResult,
  type History,
  type InitializerName,
  type LoadOptions,
  type ModelBytes,
  type ModelJSON,
  type MatrixLike,
  type NetworkOptions,
  type Predictor,
  type SaveOptions,
} from 'blasnet';

function typeChecks(): void {
  // The dtype is the network's type parameter, float64 by default.
  expectTypeOf(new Network([2, 3], [Softmax])).toEqualTypeOf<Network<'float64'>>();
  expectTypeOf(new Network([2, 3], [Softmax], { dtype: 'float32' })).toEqualTypeOf<Network<'float32'>>();
  expectTypeOf<NetworkOptions['initializer']>().toEqualTypeOf<InitializerName | undefined>();
  expectTypeOf<'lecunNormal'>().toExtend<InitializerName>();
  expectTypeOf<'xavier'>().toExtend<InitializerName>();

  const net = new Network([4, 8, 3], [Relu, Softmax]);
  expectTypeOf(net.predict).parameter(0).toEqualTypeOf<MatrixLike>();
  expectTypeOf(net.predict(new Matrix(1, 4))).toEqualTypeOf<Matrix>();
  expectTypeOf(net.predictor()).toEqualTypeOf<Predictor>();
  expectTypeOf(net.fit).returns.toEqualTypeOf<History>();
  expectTypeOf(net.fitAsync).returns.toEqualTypeOf<Promise<History>>();
  expectTypeOf(net.evaluate).returns.toEqualTypeOf<Evaluation>();
  expectTypeOf(net.gradients).returns.toEqualTypeOf<GradientResult<'float64'>>();
  expectTypeOf<GradientResult<'float32'>['weights']>().toEqualTypeOf<Float32Array[]>();
  expectTypeOf<Adam>().toExtend<NonNullable<FitOptions['optimizer']>>();

  // Saving: SaveOptions is exported and is what every save method takes.
  expectTypeOf(net.save).parameter(1).toEqualTypeOf<SaveOptions | undefined>();
  expectTypeOf(net.toBuffer).parameter(0).toEqualTypeOf<SaveOptions | undefined>();
  expectTypeOf(net.toBuffer()).toEqualTypeOf<ModelBytes>();
  expectTypeOf(net.toJSON()).toEqualTypeOf<ModelJSON>();

  // Loading: the requested dtype is the loaded network's static type.
  expectTypeOf(Network.load('m.blasnet')).toEqualTypeOf<Promise<Network<'float64'>>>();
  expectTypeOf(Network.load('m.blasnet', { dtype: 'float32' })).toEqualTypeOf<Promise<Network<'float32'>>>();
  expectTypeOf(Network.load('m.blasnet', { dtype: 'any' })).toEqualTypeOf<Promise<Network<Dtype>>>();
  expectTypeOf(Network.fromBuffer(new Uint8Array(0), { dtype: 'float32' })).toEqualTypeOf<Network<'float32'>>();
  expectTypeOf<LoadOptions['dtype']>().toEqualTypeOf<Dtype | 'any' | undefined>();

  // Errors: every code is one of the documented union's members.
  expectTypeOf<BlasnetError['code']>().toEqualTypeOf<BlasnetErrorCode>();
  expectTypeOf<ModelFormatError['code']>().toExtend<BlasnetErrorCode>();
  expectTypeOf<'ERR_MODEL_DTYPE'>().toExtend<BlasnetErrorCode>();
  expectTypeOf<'ERR_NOT_A_CODE'>().not.toExtend<BlasnetErrorCode>();

  // Losses and activations are values of the exported types.
  expectTypeOf(CrossEntropy.name).toBeString();
}

test('the public API type tests compile (tsc --noEmit checks them)', () => {
  expect(typeof typeChecks).toBe('function');
});
