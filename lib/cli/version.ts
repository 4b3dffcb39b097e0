/**
 * blasnet's own version, from its package.json: found by walking up from this file, since the CLI runs
 * from dist/cli/ in the package, from lib/cli/ in a clone (tsx), and from copies the tests compile.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

/** The version in blasnet's package.json, or `unknown` when none is found. */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === 'blasnet' && typeof manifest.version === 'string') return (cached = manifest.version);
    } catch {
      // no package.json here: keep walking up
    }
    if (path.dirname(dir) === dir) return (cached = 'unknown');
  }
}
