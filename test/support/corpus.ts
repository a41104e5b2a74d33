/** Real samples copied byte for byte from public sources (see test/fixtures/corpus/README.md). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CORPUS_DIR = fileURLToPath(new URL('../fixtures/corpus/', import.meta.url));

/** An event sample's text, byte for byte. */
export function corpusEventText(name: string): string {
  return readFileSync(`${CORPUS_DIR}events/${name}`, 'utf8');
}

export function corpusEvent(name: string): Record<string, unknown> {
  return JSON.parse(corpusEventText(name)) as Record<string, unknown>;
}
