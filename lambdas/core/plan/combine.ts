import { editManifest, type ReferenceEdit } from '../manifest/index.ts';
import type { RepoScan, FileProblem } from './scan.ts';
import type { UnitPlan } from './units.ts';

export interface CombinedFile {
  readonly file: string;
  readonly before: string;
  readonly after: string;
}

/**
 * The working tree after every unit's edits, as `plan --write` leaves it. Units are built from
 * the base independently; two units editing the same reference would contradict each other, so
 * such a file is reported and left alone.
 */
export function combineUnits(
  units: readonly UnitPlan[],
  scan: RepoScan,
): { files: CombinedFile[]; problems: FileProblem[] } {
  const byFile = new Map<string, ReferenceEdit[]>();
  for (const unit of units) {
    for (const [file, edits] of unit.edits) byFile.set(file, [...(byFile.get(file) ?? []), ...edits]);
  }
  const files: CombinedFile[] = [];
  const problems: FileProblem[] = [];
  for (const [file, edits] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
    const seen = new Set(edits.map((e) => e.reference));
    if (seen.size !== edits.length) {
      problems.push({ file, message: 'two policies want to change the same reference; left unchanged' });
      continue;
    }
    const before = scan.files.get(file)?.text ?? '';
    const result = editManifest(before, file, edits);
    if (!result.ok) problems.push({ file, ...result.error });
    else if (result.text !== before) files.push({ file, before, after: result.text });
  }
  return { files, problems };
}
