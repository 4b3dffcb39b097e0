/**
 * What a raw cell means, against hand-worked cases: missing spellings, numbers as people write them,
 * ISO dates with and without offsets (UTC, whatever the machine's zone), impossible dates refused.
 */
import { categoryOf, DEFAULT_MISSING, isMissing, numberOf, quote, shapeOf, timeOf } from '../../lib/table/cells';
import { inferKind } from '../../lib/table/infer';
import { rowSource } from '../../lib/table/rows';

const missing = new Set(DEFAULT_MISSING);

describe('cells', () => {
  it('missing: the spellings (trimmed, case-sensitive), null, undefined, NaN, an invalid Date', () => {
    for (const m of ['', '  ', 'NA', 'N/A', 'NaN', '?', 'null', 'none', ' NA '])
      expect(isMissing(m, missing)).toBe(true);
    for (const m of [null, undefined, NaN, new Date('nope')]) expect(isMissing(m, missing)).toBe(true);
    for (const v of ['None', 'na', '0', 0, false, 'n/a']) expect(isMissing(v, missing)).toBe(false);
  });

  it('numbers: decimal notation only', () => {
    expect([numberOf('3.5'), numberOf(' -2e3 '), numberOf('.5'), numberOf(7), numberOf(10n)]).toEqual([
      3.5, -2000, 0.5, 7, 10,
    ]);
    for (const v of ['0x1A', 'Infinity', '', '1,5', Infinity, true]) expect(numberOf(v)).toBeUndefined();
  });

  it('dates: ISO forms read as UTC without an offset, offsets applied, impossible dates refused', () => {
    expect(timeOf('2024-03-05')).toBe(Date.UTC(2024, 2, 5));
    expect(timeOf('2024-03-05T14:30')).toBe(Date.UTC(2024, 2, 5, 14, 30));
    expect(timeOf('2024-03-05 14:30:15.250')).toBe(Date.UTC(2024, 2, 5, 14, 30, 15, 250));
    expect(timeOf('2024-03-05T14:30:00+01:00')).toBe(Date.UTC(2024, 2, 5, 13, 30));
    expect(timeOf('2024-03-05T14:30:00-0530')).toBe(Date.UTC(2024, 2, 5, 20, 0));
    expect(timeOf(new Date(Date.UTC(2020, 0, 1)))).toBe(Date.UTC(2020, 0, 1));
    for (const v of ['2024-02-31', '2024-13-01', '05/03/2024', '2024', 20240305]) expect(timeOf(v)).toBeUndefined();
  });

  it('shapes and category keys', () => {
    expect(['4', 'x', true, '2024-01-01', 'NA'].map((v) => shapeOf(v, missing))).toEqual([
      'number',
      'text',
      'boolean',
      'date',
      'missing',
    ]);
    expect([categoryOf(1), categoryOf(1.0), categoryOf(true), categoryOf('true'), categoryOf('1.0')]).toEqual([
      '1',
      '1',
      'true',
      'true',
      '1.0',
    ]);
    expect(quote('a"\n\u0007')).toBe('"a\\"\\n\\u0007"');
    expect(quote('x'.repeat(100), 10)).toBe(JSON.stringify(`${'x'.repeat(7)}...`));
  });

  it('kinds: Date objects are dates, a numeric key named user_id is an ID, a few integers stay numeric', () => {
    const rows = Array.from({ length: 20 }, (_, i) => ({
      when: new Date(Date.UTC(2020, i % 12, 1)),
      user_id: 900 - i * 3,
      stars: i % 5,
    }));
    const source = rowSource(rows);
    const all = rows.map((_, i) => i);
    expect(inferKind(source, 'when', all, missing).kind).toBe('date');
    expect(inferKind(source, 'user_id', all, missing)).toMatchObject({ kind: 'ignore', drop: 'id' });
    expect(inferKind(source, 'stars', all, missing).kind).toBe('numeric');
  });
});
