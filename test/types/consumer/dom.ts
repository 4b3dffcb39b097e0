// The same package in a project with the DOM library (a bundler's or a browser-minded setup): its global
// AbortController's signal is what fitAsync takes.
import { Matrix, Network, Relu, Softmax } from 'blasnet';

export async function train(x: Matrix, y: Matrix): Promise<void> {
  const controller = new AbortController();
  await new Network([x.cols, 4, y.cols], [Relu, Softmax]).fitAsync(x, y, { signal: controller.signal });
}
