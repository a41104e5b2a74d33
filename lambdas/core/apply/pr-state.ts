/**
 * The machine-readable state an updater PR carries in a hidden HTML comment of its body: which
 * tag each policy is proposed at, and which commits the updater wrote. It lets a later event
 * decide without reading the PR branch, and tells our commits from anyone else's.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { UnitPlan } from '../plan/units.ts';
import { defined } from '../../objects.ts';

const MARKER_OPEN = '<!-- image-updater-state: ';
// The marker on a line of its own, as `renderPrBody` writes it as the body's last line.
const MARKER = /^<!--\s*image-updater-state:\s*(\{.*\})\s*-->\s*$/;

const ProposalSchema = z.object({
  tag: z.string(),
  digest: z.string().optional(),
  from: z.string().optional(),
  updateType: z.enum(['major', 'minor', 'patch', 'prerelease', 'digest', 'other']),
});

const StateSchema = z.object({
  v: z.literal(1),
  key: z.string(),
  /** The base commit the branch was last built on. */
  base: z.string(),
  /** The head commit the updater wrote last; anything else on the branch is someone else's. */
  commit: z.string(),
  policies: z.record(z.string(), ProposalSchema),
  /** A foreign head we already commented on, so we comment once. */
  blockedAt: z.string().optional(),
  /**
   * Digest of the paths the commit wrote (`fileSetOf`): a newer tag for the same files on the
   * same base can go on top of it as one appended commit. Absent from states written before it.
   */
  fileSet: z.string().optional(),
  /**
   * Set on a closed PR: `retired` when the updater closed it (superseded, already on the base
   * branch, its policy gone) or a person closed what the base branch already had; `ignored` when
   * a person closed it unmerged and the updater said so. A closed PR of ours without it was
   * closed by someone else and not yet answered (`closed-pulls.ts`).
   */
  closed: z.enum(['retired', 'ignored']).optional(),
});

export type PrState = z.infer<typeof StateSchema>;
type Proposal = z.infer<typeof ProposalSchema>;

/**
 * The state of a body `renderPrBody` wrote. Only the last marker counts: everything before it is
 * rendered from file names and other repository text, so an earlier one can only be a forgery.
 */
export function readPrState(body: string): PrState | undefined {
  const at = body.lastIndexOf(MARKER_OPEN);
  if (at < 0) return undefined;
  const end = body.indexOf('\n', at);
  const line = body.slice(body.lastIndexOf('\n', at) + 1, end < 0 ? undefined : end);
  const json = MARKER.exec(line)?.[1];
  if (!json) return undefined;
  try {
    const parsed = StateSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function stateOf(unit: UnitPlan, base: string, commit: string): PrState {
  const policies: Record<string, Proposal> = {};
  for (const u of unit.updates) {
    policies[u.policy.name] = {
      tag: u.to.tag,
      ...defined({ digest: u.to.digest }),
      ...(u.from?.tag !== undefined ? { from: u.from.tag } : {}),
      updateType: u.updateType,
    };
  }
  return { v: 1, key: unit.key, base, commit, policies, fileSet: fileSetOf(unit.files.map((f) => f.file)) };
}

/** A short digest of a set of paths: equal sets, equal digests, whatever their order. */
export function fileSetOf(paths: readonly string[]): string {
  return createHash('sha256')
    .update([...new Set(paths)].sort().join('\0'))
    .digest('hex')
    .slice(0, 16);
}

/** Whether a unit proposes exactly what an open PR already proposes. */
export function sameProposals(unit: UnitPlan, state: PrState): boolean {
  const names = Object.keys(state.policies);
  if (names.length !== unit.updates.length) return false;
  return unit.updates.every((u) => {
    const p = state.policies[u.policy.name];
    return p !== undefined && p.tag === u.to.tag && (p.digest ?? '') === (u.to.digest ?? '');
  });
}

/** The body's hidden state; `<` and `>` as JSON escapes, so no name can close the comment. */
export function stateMarker(state: PrState): string {
  const json = JSON.stringify(state).replace(/[<>]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
  return `${MARKER_OPEN}${json} -->`;
}

/**
 * A body with its state marker replaced by `state`'s (or appended, when it has none): how a
 * close is recorded in the same request that closes the PR, or answers a person's close.
 */
export function withState(body: string, state: PrState): string {
  const at = body.lastIndexOf(MARKER_OPEN);
  const kept = at < 0 ? body : body.slice(0, body.lastIndexOf('\n', at) + 1);
  return `${kept}${at < 0 && kept !== '' && !kept.endsWith('\n') ? '\n\n' : ''}${stateMarker(state)}`;
}

/** `2026-12-02T10:00:00Z`: sub-second digits only when there are any. */
export function formatInstant(at: Date): string {
  return at.toISOString().replace(/\.000Z$/, 'Z');
}

/** Trailer on every commit the updater writes, so its commits are recognised on a branch. */
function commitTrailer(key: string): string {
  return `Image-Updater-Unit: ${key}`;
}

const STATE_TRAILER = 'Image-Updater-State: ';

/** The trailers of a commit the updater writes: the unit, and the state the commit proposes. */
export function commitTrailers(state: Omit<PrState, 'commit' | 'blockedAt'>): string {
  const { v, key, base, policies } = state;
  return `${commitTrailer(key)}\n${STATE_TRAILER}${JSON.stringify({ v, key, base, policies })}`;
}

/** The state a commit of ours proposes, with `commit` set to that commit; undefined otherwise. */
export function readCommitState(message: string, key: string, sha: string): PrState | undefined {
  if (!isOurCommit(message, key)) return undefined;
  // The trailers come last; a line of the (user-templated) message above cannot pose as them.
  const line = message.split('\n').findLast((l) => l.startsWith(STATE_TRAILER));
  if (!line) return undefined;
  try {
    const parsed = StateSchema.safeParse({ ...JSON.parse(line.slice(STATE_TRAILER.length)), commit: sha });
    return parsed.success && parsed.data.key === key ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function isOurCommit(message: string, key: string): boolean {
  return message.split('\n').some((line) => line.trim() === commitTrailer(key));
}
