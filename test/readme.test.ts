/**
 * Every TypeScript block in README.md runs as written (issue 13): the blocks are extracted in order, each
 * becomes its own ES module in a temporary project where 'blasnet' is the package built from these sources
 * (test/helpers/built-package.ts), all are type-checked together (strict), and each is then run with node,
 * in README order, from a folder where `examples/` is the checkout's (so the README's data paths work) and
 * where files they write (model.bnet) land. A `console.log(...); // text` line promises `text`: the block's
 * output must hold those lines, in order.
 *
 * Blocks that cannot run here say so in an HTML comment on the line before the block, with a reason:
 *
 *   <!-- readme-test: skip (needs Redis) -->       type-checked, not run: a service, a server that never
 *                                                   ends, an illustrative fragment
 *   <!-- readme-test: ignore (needs onnxruntime) -->  neither run nor type-checked: only where its imports
 *                                                   are optional packages this checkout does not install
 *
 * Prefer `skip` to `ignore`: a skipped block still has to compile against the real types.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { buildPackage, repoRoot, typeCheck, type BuiltPackage } from './helpers/built-package';
import { readmeBlocks, type Block } from './helpers/readme-blocks';

/** The texts promised by `console.log(...); // text` lines, in order. */
function promisedOutput(code: string): string[] {
  return code
    .split('\n')
    .map((line) => /^\s*console\.log\(.*\);\s*\/\/\s?(.*)$/.exec(line)?.[1])
    .filter((text): text is string => text !== undefined);
}

const blocks = readmeBlocks(fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8'));
let built: BuiltPackage;
const fileOf = (block: Block) => `readme-block-${String(block.index).padStart(2, '0')}`;

beforeAll(() => {
  built = buildPackage('readme', { runtime: true });
  const { project } = built;
  // What the checkout has installed is installed in this project too: @types/node (the README's server
  // block imports node:http, and its readers have Node's types) and any optional package a skipped block
  // imports (bullmq, pg...), so those blocks type-check against the real thing.
  for (const entry of fs.readdirSync(path.join(repoRoot, 'node_modules'))) {
    if (entry === 'blasnet' || entry.startsWith('.')) continue;
    fs.symlinkSync(path.join(repoRoot, 'node_modules', entry), path.join(project, 'node_modules', entry), 'dir');
  }
  fs.symlinkSync(path.join(repoRoot, 'examples'), path.join(project, 'examples'), 'dir');
  const checked = blocks.filter((b) => b.mode !== 'ignore');
  for (const block of checked) fs.writeFileSync(path.join(project, `${fileOf(block)}.mts`), `${block.code}\n`);
  fs.writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        lib: ['ES2022'],
        types: ['node'],
        outDir: 'out',
      },
      files: checked.map((b) => `${fileOf(b)}.mts`),
    }),
  );
}, 180000);

afterAll(() => built?.remove());

describe('the block reader (test/helpers/readme-blocks.ts)', () => {
  it('finds ts and typescript fences, indented ones too, and the marker on the line before each', () => {
    const markdown = [
      '```ts',
      'run(1);',
      '```',
      '<!-- readme-test: skip (needs Redis) -->',
      '',
      '```typescript',
      'skip(2);',
      '```',
      '- a list item:',
      '  <!-- readme-test: ignore (needs onnxruntime) -->',
      '  ```ts',
      '  ignore(3);',
      '  ```',
      '```sh',
      'npm test',
      '```',
      '<!-- readme-test: skip -->',
      '```ts',
      'noReason(4);',
      '```',
    ].join('\n');
    expect(readmeBlocks(markdown)).toEqual([
      { index: 1, line: 1, code: 'run(1);', mode: 'run', reason: undefined },
      { index: 2, line: 6, code: 'skip(2);', mode: 'skip', reason: 'needs Redis' },
      { index: 3, line: 11, code: 'ignore(3);', mode: 'ignore', reason: 'needs onnxruntime' },
      { index: 4, line: 18, code: 'noReason(4);', mode: 'skip', reason: undefined },
    ]);
  });
});

describe('README.md', () => {
  it('has TypeScript blocks, and every skip or ignore says why', () => {
    expect(blocks.length).toBeGreaterThan(1);
    for (const block of blocks.filter((b) => b.mode !== 'run')) {
      expect({ line: block.line, mode: block.mode, reason: block.reason ?? '' }).toEqual({
        line: block.line,
        mode: expect.stringMatching(/^(skip|ignore)$/),
        reason: expect.stringMatching(/\S/),
      });
    }
  });

  it('its blocks type-check against the built package (strict)', () => {
    const result = typeCheck(built.project);
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  }, 180000);

  // Each block after the type check has emitted it; a block fails with its line number in the README.
  for (const block of blocks.filter((b) => b.mode === 'run')) {
    it(`the block at README.md line ${block.line} runs and prints what it promises`, () => {
      const script = path.join(built.project, 'out', `${fileOf(block)}.mjs`);
      expect(fs.existsSync(script)).toBe(true);
      const run = spawnSync(process.execPath, [script], {
        cwd: built.project,
        encoding: 'utf8',
        timeout: 120000,
        env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
      });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      const printed = run.stdout.split('\n');
      let at = 0;
      for (const promise of promisedOutput(block.code)) {
        const found = printed.indexOf(promise, at);
        expect({ promise, found: found >= 0 }).toEqual({ promise, found: true });
        at = found + 1;
      }
    }, 180000);
  }
});
