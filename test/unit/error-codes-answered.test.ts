import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CATALOGUE } from '../../src/api/errors';

const testRoot = path.resolve(__dirname, '..');

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'helpers' || entry.name === 'fixtures' ? [] : testFiles(full);
    return /\.(test|fuzz|chaos)\.ts$/.test(entry.name) && full !== __filename ? [full] : [];
  });
}

/**
 * Whether `source` asserts that some answer carries `code`: `expectError(…, 'CODE')`, or an envelope's code compared
 * with `.toBe('CODE')`. Read from the tests' sources, so this check stands alone whatever runs before it.
 */
function asserts(source: string, code: string): boolean {
  const quoted = `'${code}'`;
  return source.includes(`, ${quoted})`) || source.includes(`.toBe(${quoted})`);
}

describe('the error catalogue', () => {
  const sources = testFiles(testRoot).map((file) => readFileSync(file, 'utf8'));

  it.each(Object.keys(ERROR_CATALOGUE))('%s is answered and checked by some test', (code) => {
    expect(sources.some((source) => asserts(source, code))).toBe(true);
  });
});
