/**
 * examples/postgres.ts against a real PostgreSQL server (no mock): the one `.ci/run` starts on a loopback
 * port (tools/pg-cluster.sh), found through the PG* variables. Outside CI, with no server reachable, the
 * spec is skipped with a message saying why; in CI (CI=true) a missing server fails it.
 */
import { spawnSync } from 'node:child_process';

import { runPostgresExample } from '../examples/postgres';

const host = process.env.PGHOST ?? '127.0.0.1';
const port = Number(process.env.PGPORT ?? 5432);

/** Whether something accepts TCP connections on host:port (checked once, synchronously, before the specs are declared). */
function reachable(): boolean {
  const probe = `const s = require('node:net').connect(${port}, ${JSON.stringify(host)}); s.setTimeout(1500); s.on('connect', () => process.exit(0)); s.on('error', () => process.exit(1)); s.on('timeout', () => process.exit(1));`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 5000 }).status === 0;
}

const inCi = process.env.CI === 'true';
const available = reachable();
if (!available && !inCi) {
  console.log(
    `examples/postgres.ts skipped: no PostgreSQL server on ${host}:${port} (start one with tools/pg-cluster.sh start <dir> <port> and set PGHOST/PGPORT/PGUSER/PGDATABASE; .ci/run does)`,
  );
}
const spec = available || inCi ? it : it.skip;

describe('examples/postgres.ts', () => {
  spec(
    'reads a table with pg, trains, stores the model in bytea, reads it back and predicts the same',
    async () => {
      const lines: string[] = [];
      const result = await runPostgresExample(
        { host, port, connectionTimeoutMillis: 5000 },
        { epochs: 60, log: (line) => lines.push(line) },
      );
      expect(result.rows).toBe(344);
      // The serial primary key is recognised as an ID and left out; island and sex are categories.
      expect(result.columns).toEqual(
        expect.arrayContaining(['id: ignore (id)', 'island: categorical', 'sex: categorical', 'body_mass_g: numeric']),
      );
      expect(result.accuracy).toBeGreaterThan(0.9);
      expect(result.storedBytes).toBeGreaterThan(1000);
      expect(result.sameAfterRoundTrip).toBe(true);
      // Rows with a NULL body mass, straight from the database, predicted (imputed as in training).
      expect(result.examples.map((e) => e.predicted)).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
      expect(lines.join('\n')).toMatch(/stored the model in a bytea column \(\d+ bytes\)/);
    },
    60_000,
  );
});
