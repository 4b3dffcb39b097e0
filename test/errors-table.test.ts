/**
 * One list of error codes: every code thrown anywhere in lib/ is in ERROR_CODES (the BlasnetErrorCode
 * union), and every one of them has its row in docs/errors.md. Read from the sources, so a new code that
 * skips the list or the table fails here by name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { ERROR_CODES } from '../lib';

const ROOT = path.join(__dirname, '..');

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join(dir, file));
}

const thrown = new Set<string>();
for (const file of sourceFiles(path.join(ROOT, 'lib'))) {
  // The list itself does not count as a use.
  const text = fs.readFileSync(file, 'utf8').replace(/export const ERROR_CODES = \[[^\]]*\]/, '');
  for (const match of text.matchAll(/['"`]((?:ERR_[A-Z0-9_]+)|ABORT_ERR)['"`]/g)) thrown.add(match[1]!);
}
const documented = new Set(
  [...fs.readFileSync(path.join(ROOT, 'docs', 'errors.md'), 'utf8').matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map(
    (m) => m[1]!,
  ),
);

describe('error codes', () => {
  it('every code in lib/ is in ERROR_CODES, and ERROR_CODES holds no code nothing uses', () => {
    const listed = new Set<string>(ERROR_CODES);
    expect([...thrown].filter((code) => !listed.has(code))).toEqual([]);
    expect(ERROR_CODES.filter((code) => !thrown.has(code) && code !== 'ABORT_ERR')).toEqual([]);
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it('docs/errors.md has one row per code, and no other', () => {
    expect([...documented].sort()).toEqual([...ERROR_CODES].sort());
  });
});
