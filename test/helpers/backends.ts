/**
 * One spec, every backend: `describeBackends('gemm', (backend) => { ... })` runs the same tests on the
 * native addon and on the pure-TypeScript reference (the habit of tfjs's describeWithFlags and
 * node-addon-api's test/common).
 */
import { backends, type Backend } from '../../lib';

export const BACKEND_NAMES = ['native', 'js'] as const;

export function getTestBackend(name: (typeof BACKEND_NAMES)[number]): Backend {
  return name === 'native' ? backends.native : backends.js;
}

export function describeBackends(title: string, body: (backend: Backend) => void): void {
  for (const name of BACKEND_NAMES) {
    describe(`${title} [${name}]`, () => body(getTestBackend(name)));
  }
}
