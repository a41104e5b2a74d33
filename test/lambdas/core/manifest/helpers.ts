import { expect } from 'vitest';
import {
  editManifest,
  referencesFor,
  scanManifest,
  type EditResult,
  type ManifestReference,
  type PinMode,
} from '../../../../lambdas/core/manifest/index.ts';

export const DIGEST_OLD = `sha256:${'0'.repeat(64)}`;
export const DIGEST_NEW = `sha256:${'b'.repeat(64)}`;

export function scan(text: string, file = 'values.yaml'): ManifestReference[] {
  const result = scanManifest(text, file);
  if (!result.ok) throw new Error(`scan failed: ${JSON.stringify(result.error)}`);
  return result.references;
}

export interface BumpOptions {
  readonly file?: string;
  readonly policy?: string;
  readonly image: string;
  readonly tag: string;
  readonly digest?: string;
  readonly pin?: PinMode;
  readonly rename?: boolean;
}

export type EditSuccess = Extract<EditResult, { ok: true }>;

/** Scans, picks the policy's references and edits them all, as the planner will. */
export function bump(text: string, options: BumpOptions): EditSuccess {
  const file = options.file ?? 'values.yaml';
  const references = referencesFor(scan(text, file), { name: options.policy ?? 'api', image: options.image });
  const result = editManifest(
    text,
    file,
    references.map((reference) => ({
      reference,
      tag: options.tag,
      pin: options.pin ?? 'tag',
      ...(options.digest !== undefined ? { digest: options.digest } : {}),
      ...(options.rename ? { image: options.image } : {}),
    })),
  );
  if (!result.ok) throw new Error(`edit failed: ${JSON.stringify(result.error)}`);
  return result;
}

/** Lines that differ between two texts of the same line count. */
export function changedLines(
  before: string,
  after: string,
): { line: number; before: string; after: string }[] {
  const a = before.split('\n');
  const b = after.split('\n');
  expect(b.length).toBe(a.length);
  const out: { line: number; before: string; after: string }[] = [];
  a.forEach((text, i) => {
    if (text !== b[i]) out.push({ line: i + 1, before: text, after: b[i] ?? '' });
  });
  return out;
}

/** `before` with the first `from` on each given line replaced: what a minimal edit must produce. */
export function withLineEdits(
  before: string,
  edits: readonly { line: number; from: string; to: string }[],
): string {
  const lines = before.split('\n');
  for (const { line, from, to } of edits) {
    const text = lines[line - 1];
    if (text === undefined || !text.includes(from)) throw new Error(`line ${line} has no ${from}: ${text}`);
    lines[line - 1] = text.replace(from, to);
  }
  return lines.join('\n');
}
