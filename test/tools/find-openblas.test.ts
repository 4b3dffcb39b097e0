/**
 * tools/find-openblas.js with OPENBLAS_DIR (issue 13): a prefix that is not an OpenBLAS prefix is no longer
 * ignored without a word; the build warns, naming the directory and what it lacks, and goes on to find
 * OpenBLAS elsewhere. A good prefix wins over the system's OpenBLAS, silently.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const script = path.resolve(__dirname, '..', '..', 'tools', 'find-openblas.js');
const find = (dir: string) =>
  spawnSync(process.execPath, [script, '--include-dirs'], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_DIR: dir },
  });

describe('find-openblas.js and OPENBLAS_DIR', () => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-openblas-dir-'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('warns about a directory that does not exist', () => {
    const missing = path.join(work, 'nowhere');
    const run = find(missing);
    expect(run.stderr).toBe(
      `blasnet: warning: OPENBLAS_DIR=${missing} is not an OpenBLAS prefix: it does not exist; looking for OpenBLAS elsewhere (pkg-config, then the usual locations)\n`,
    );
  });

  it('names what a prefix lacks: the header, the library, or both', () => {
    const headerOnly = path.join(work, 'header-only');
    fs.mkdirSync(path.join(headerOnly, 'include'), { recursive: true });
    fs.writeFileSync(path.join(headerOnly, 'include', 'cblas.h'), '');
    expect(find(headerOnly).stderr).toContain(
      `lacks libopenblas.so, libopenblas.dylib, libopenblas.a (looked in ${path.join(headerOnly, 'lib')})`,
    );
    const empty = path.join(work, 'empty');
    fs.mkdirSync(empty);
    const both = find(empty).stderr;
    expect(both).toContain(
      `lacks cblas.h (looked in ${path.join(empty, 'include')} and ${path.join(empty, 'include', 'openblas')}), and libopenblas.so`,
    );
  });

  it('uses a good prefix, without a warning', () => {
    const good = path.join(work, 'good');
    fs.mkdirSync(path.join(good, 'include'), { recursive: true });
    fs.mkdirSync(path.join(good, 'lib'));
    fs.writeFileSync(path.join(good, 'include', 'cblas.h'), '');
    fs.writeFileSync(path.join(good, 'lib', 'libopenblas.so'), '');
    const run = find(good);
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({
      status: 0,
      stdout: path.join(good, 'include'),
      stderr: '',
    });
  });
});
