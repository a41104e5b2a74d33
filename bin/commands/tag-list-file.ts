import type { TagCandidate } from '../../lambdas/core/tags/index.ts';
import { CliInputError } from './io.ts';
import { defined } from '../../lambdas/objects.ts';

/**
 * The CLI's tag list format: one tag per line; after white space a line may add the push time
 * (ISO 8601) and the digest, in either order. Blank lines and `#` comments are skipped.
 */
export function parseTagList(text: string, source: string): TagCandidate[] {
  const tags: TagCandidate[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [tag, ...rest] = line.split(/\s+/) as [string, ...string[]];
    let pushedAt: Date | undefined;
    let digest: string | undefined;
    for (const field of rest) {
      if (/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/.test(field)) digest = field;
      else if (!Number.isNaN(Date.parse(field)) && /^\d{4}-\d{2}-\d{2}/.test(field))
        pushedAt = new Date(field);
      else
        throw new CliInputError(
          `${source}:${index + 1}: "${field}" is neither an ISO 8601 time nor a digest`,
        );
    }
    tags.push({ tag, ...defined({ pushedAt }), ...(digest ? { digest } : {}) });
  });
  return tags;
}
