/**
 * A fresh TypeScript project compiles against the package's published types (issue 13, item 2): strict,
 * without @types/node, without the DOM library, without skipLibCheck, under both nodenext and the older
 * node10 resolution, and with the DOM library too. The .d.ts files are built from these sources as the
 * tarball's are (tsc -p tsconfig.build.json) into a temporary project with nothing else installed, so no
 * ambient Node type can leak in. test/types/consumer/ holds the consumer's files; its `@ts-expect-error`
 * lines make the check fail if the types become too loose (Network.load typed Network<Dtype> again, say).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { buildPackage, typeCheck, type BuiltPackage } from '../helpers/built-package';

const consumer = path.join(__dirname, 'consumer');
let built: BuiltPackage;

beforeAll(() => {
  built = buildPackage('types', { runtime: false });
  for (const file of fs.readdirSync(consumer))
    fs.copyFileSync(path.join(consumer, file), path.join(built.project, file));
}, 180000);

afterAll(() => built?.remove());

function declarationFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.d.ts'))
    .map((f) => path.join(dir, f));
}

describe("the published types, in a user's strict project", () => {
  it("no .d.ts file refers to Node's types (no reference directive, no NodeJS namespace, no Buffer)", () => {
    const offending = declarationFiles(path.join(built.packageDir, 'dist'))
      // Internals that 'blasnet' does not reach (the compile checks below prove it): the CLI, the file codec.
      .filter(
        (file) => !file.includes(`${path.sep}cli${path.sep}`) && !file.endsWith(path.join('model', 'binary.d.ts')),
      )
      .filter((file) =>
        /\/\/\/ <reference types="node"|\bNodeJS\.|: Buffer\b|<Buffer>/.test(fs.readFileSync(file, 'utf8')),
      );
    expect(offending.map((f) => path.relative(built.packageDir, f))).toEqual([]);
  });

  it.each([
    ['nodenext, no @types/node, no DOM', 'tsconfig.json'],
    ['node10 resolution (module commonjs)', 'tsconfig.node10.json'],
    ['with the DOM library: its AbortSignal fits', 'tsconfig.dom.json'],
  ])('compiles: %s', (_title, tsconfig) => {
    const result = typeCheck(built.project, tsconfig);
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  });
});
