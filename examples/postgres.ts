/**
 * A table model trained on rows read from PostgreSQL with node-postgres (`pg`), stored in a `bytea`
 * column, read back and used to predict: what a service with its data in a database does.
 *
 *   npm install pg                          # not a dependency of blasnet: the example's own
 *   PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres PGDATABASE=postgres npx tsx examples/postgres.ts
 *
 * The connection comes from the usual PG* variables (or DATABASE_URL). So that the example runs against
 * any database without leaving anything behind, it first loads the Palmer penguins into a TEMPORARY table
 * (in your database the table would already exist) and keeps the model in a temporary table too; both
 * vanish when the session ends.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { Client, type ClientConfig } from 'pg';

import { formatColumns, splitRows, TableModel, type Row } from 'blasnet';

/** What a run found, for the test (and the printout). */
export interface PostgresExampleResult {
  rows: number;
  accuracy: number;
  balancedAccuracy: number;
  /** Model file bytes stored in (and read back from) the bytea column. */
  storedBytes: number;
  /** Whether the model read back from the database predicts exactly as the trained one. */
  sameAfterRoundTrip: boolean;
  columns: string[];
  examples: { row: Row; predicted: unknown }[];
}

/** Loads the penguins into a temporary table: the stand-in for a table your application already has. */
async function loadPenguins(client: Client): Promise<void> {
  await client.query(`CREATE TEMPORARY TABLE penguins (
    id serial PRIMARY KEY,
    species text NOT NULL,
    island text NOT NULL,
    bill_length_mm double precision,
    bill_depth_mm double precision,
    flipper_length_mm integer,
    body_mass_g integer,
    sex text
  )`);
  const file = path.join(__dirname, 'data', 'penguins.ndjson');
  const penguins = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, string | number | null>);
  // One statement for all rows: arrays unnested server-side.
  const column = (key: string) => penguins.map((p) => p[key] ?? null);
  await client.query(
    `INSERT INTO penguins (species, island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex)
     SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::int[], $6::int[], $7::text[])`,
    [
      column('Species'),
      column('Island'),
      column('Beak Length (mm)'),
      column('Beak Depth (mm)'),
      column('Flipper Length (mm)'),
      column('Body Mass (g)'),
      column('Sex'),
    ],
  );
}

/** Trains on the table, stores the model, reads it back and predicts. */
export async function runPostgresExample(
  config: ClientConfig = {},
  options: { epochs?: number; log?: (line: string) => void } = {},
): Promise<PostgresExampleResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const client = new Client(config);
  await client.connect();
  try {
    await loadPenguins(client);
    // Rows exactly as pg returns them: objects with numbers, strings and nulls.
    const { rows } = await client.query<Row>('SELECT * FROM penguins ORDER BY id');
    const { train, test } = splitRows(rows, { target: 'species', seed: 1 });
    const model = await new TableModel().fitAsync(train, { target: 'species', epochs: options.epochs ?? 200 });
    log(`read ${rows.length} rows from PostgreSQL; trained on ${train.length}, held out ${test.length}`);
    for (const line of formatColumns(model.describeColumns())) log(line);
    const evaluation = model.evaluate(test);
    if (evaluation.task !== 'classification') throw new Error('expected a classifier');
    log(
      `held-out accuracy ${evaluation.accuracy.toFixed(4)}, balanced accuracy ${evaluation.balancedAccuracy.toFixed(4)}`,
    );

    // The model file's bytes in a bytea column (checksummed: a damaged value fails to load, it never predicts).
    await client.query(
      'CREATE TEMPORARY TABLE models (name text PRIMARY KEY, trained_at timestamptz NOT NULL DEFAULT now(), bytes bytea NOT NULL)',
    );
    await client.query('INSERT INTO models (name, bytes) VALUES ($1, $2)', ['penguins', model.toBuffer()]);
    const stored = await client.query<{ bytes: Buffer }>('SELECT bytes FROM models WHERE name = $1', ['penguins']);
    const loaded = TableModel.fromBuffer(stored.rows[0]!.bytes);
    log(`stored the model in a bytea column (${stored.rows[0]!.bytes.length} bytes) and read it back`);

    // New rows from the database, with a missing cell: imputed as in training.
    const fresh = await client.query<Row>(
      'SELECT island, bill_length_mm, bill_depth_mm, flipper_length_mm, NULL::integer AS body_mass_g, sex FROM penguins WHERE id IN (1, 200, 300) ORDER BY id',
    );
    const predicted = loaded.predict(fresh.rows);
    fresh.rows.forEach((row, i) => log(`${JSON.stringify(row)} -> ${JSON.stringify(predicted[i])}`));
    const same = JSON.stringify(loaded.predictProba(test)) === JSON.stringify(model.predictProba(test));
    return {
      rows: rows.length,
      accuracy: evaluation.accuracy,
      balancedAccuracy: evaluation.balancedAccuracy,
      storedBytes: stored.rows[0]!.bytes.length,
      sameAfterRoundTrip: same,
      columns: model.describeColumns().map((c) => `${c.column}: ${c.kind}${c.dropped ? ` (${c.dropped})` : ''}`),
      examples: fresh.rows.map((row, i) => ({ row, predicted: predicted[i] })),
    };
  } finally {
    await client.end();
  }
}

if (require.main === module) {
  runPostgresExample(process.env.DATABASE_URL ? { connectionString: process.env.DATABASE_URL } : {}).catch(
    (error: unknown) => {
      console.error(`postgres example failed: ${(error as Error).message}`);
      process.exitCode = 1;
    },
  );
}
