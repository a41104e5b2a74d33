/** The shared, read-only corpus of real samples (`../shared/corpus/` from the project root). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CORPUS_DIR = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));

/** An event sample's text, byte for byte. */
export function corpusEventText(name: string): string {
  return readFileSync(`${CORPUS_DIR}events/${name}`, 'utf8');
}

export function corpusEvent(name: string): Record<string, unknown> {
  return JSON.parse(corpusEventText(name)) as Record<string, unknown>;
}
