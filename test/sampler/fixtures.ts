/** Reads a /proc fixture captured by test/fixtures/proc/capture.sh. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function fixture(name: string): string {
  return readFileSync(join(__dirname, '..', 'fixtures', 'proc', name), 'utf8');
}

export function fixtureBytes(name: string): Buffer {
  return readFileSync(join(__dirname, '..', 'fixtures', 'proc', name));
}
