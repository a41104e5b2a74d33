/**
 * Where the PR's Provenance section starts: as soon as a unit's action is known, so its reads
 * run beside the commit's writes; the executors await it only when they render the body. The
 * lookup itself (`provenance-section.ts`) is loaded on first use.
 */
import type { RepoClient } from '../../ports/git-host.ts';
import type { ProvenanceReader } from '../../ports/provenance.ts';
import type { PolicyDecision } from '../plan/decide.ts';
import type { Verdict } from '../verify/types.ts';
import type { PrBodySection } from './pr-body.ts';
import type { UnitAction } from './unit-action.ts';

/** Actions that write a PR description, and so show its provenance. */
const DESCRIBING: ReadonlySet<UnitAction['kind']> = new Set(['open-pr', 'update-pr', 'foreign-head']);

/**
 * The Provenance section of a unit whose action writes its description, looked up as the unit
 * starts so the registry and release reads overlap its commit's writes. Never rejects.
 */
export function provenanceOf(
  reader: ProvenanceReader | undefined,
  client: RepoClient,
  action: UnitAction,
  decisions: readonly PolicyDecision[],
): Promise<readonly PrBodySection[]> | undefined {
  if (!reader || !('unit' in action) || !action.unit) return undefined;
  if (!DESCRIBING.has(action.kind) && !(action.kind === 'refresh-description' && action.describe))
    return undefined;
  const unit = action.unit;
  const signatures = new Map<string, Verdict>();
  for (const d of decisions) if (d.signature) signatures.set(d.policy.name, d.signature);
  // Loaded on first use: its own chunk, like the other optional parts.
  return import('./provenance-section.ts')
    .then((m) => m.provenanceSections(unit, { reader, client, signatures }))
    .catch(() => []);
}
