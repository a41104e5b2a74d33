/**
 * `minimumReleaseAge` (SPEC §3, issue 17): a candidate younger than the age its update type asks
 * for is held, not applied. The age is counted from the registry's push time (the push event's
 * time, ECR `imagePushedAt`), never from a label the publisher controls; a candidate without one
 * is held too. Pure: the time comes in as `now`.
 */
import type { ReleaseAges } from '../config.ts';
import {
  classifyUpdate,
  selectTag,
  type SelectOptions,
  type TagCandidate,
  type UpdateType,
} from '../tags/index.ts';
import type { SelectionPolicy } from '../tags/types.ts';

export const DURATION = /^(\d{1,7})(s|m|h|d)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** The longest age a config may ask for: beyond it a release is held for a quarter or more. */
export const MAX_RELEASE_AGE_MS = 90 * UNIT_MS.d;

/** `90s`, `30m`, `4h`, `7d` in milliseconds; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** The largest unit that divides `ms` exactly: `2d`, `36h`, `90s`. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${Math.ceil(ms / 1000)}s`;
}

/** The age an update type must reach; 0 (none) for a type the config does not name. */
function ageFor(ages: ReleaseAges | undefined, type: UpdateType): number {
  return ages?.[type] ?? 0;
}

/** A candidate the gate did not let through, and until when. */
export interface HeldCandidate extends TagCandidate {
  readonly updateType: UpdateType;
  /** The age its update type asks for, ms. */
  readonly age: number;
  /** `pushedAt + age`; unset when the push time is unknown (held until a push says it). */
  readonly due?: Date;
  /** One sentence: `pushed at X, minimumReleaseAge 2d: due at Y`, or `push time unknown`. */
  readonly reason: string;
}

/** Seconds precision: what a person reads and what a schedule can be set to. */
export function instant(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Whether `candidate`, as an update of type `type`, is old enough at `now`: undefined when it is,
 * else why it is held. Exactly `pushedAt + age <= now` passes.
 */
function judgeAge(
  candidate: TagCandidate,
  type: UpdateType,
  ages: ReleaseAges | undefined,
  now: Date | undefined,
): HeldCandidate | undefined {
  const age = ageFor(ages, type);
  if (age === 0) return undefined;
  const base = { ...candidate, updateType: type, age };
  const rule = `minimumReleaseAge ${formatDuration(age)} (${type})`;
  if (candidate.pushedAt === undefined || Number.isNaN(candidate.pushedAt.getTime()))
    return { ...base, reason: `${candidate.tag}: push time unknown, ${rule} cannot be checked` };
  const due = new Date(candidate.pushedAt.getTime() + age);
  if (now !== undefined && due.getTime() <= now.getTime()) return undefined;
  return {
    ...base,
    due,
    reason: `${candidate.tag}: pushed at ${instant(candidate.pushedAt)}, ${rule}: due at ${instant(due)}`,
  };
}

/** Whether a policy's ages can hold anything back at all. */
export function hasReleaseAge(ages: ReleaseAges | undefined): ages is ReleaseAges {
  return ages !== undefined && Object.values(ages).some((ms) => ms > 0);
}

/** The candidates split by the gate: those old enough, and those held with why. */
export interface AgeGate {
  readonly aged: readonly TagCandidate[];
  readonly young: readonly HeldCandidate[];
}

/**
 * Splits candidates by age. The update type is measured from `from` (the base branch), as
 * `automerge` measures it: that is the change a merge would make. A candidate pushed longer ago
 * than the largest age is old enough whatever its type, so it is not classified at all.
 */
export function gateByAge(
  policy: SelectionPolicy,
  ages: ReleaseAges,
  candidates: readonly TagCandidate[],
  from: string | undefined,
  now: Date | undefined,
): AgeGate {
  const longest = Math.max(...Object.values(ages));
  const aged: TagCandidate[] = [];
  const young: HeldCandidate[] = [];
  for (const c of candidates) {
    const known = c.pushedAt?.getTime();
    if (now !== undefined && known !== undefined && known + longest <= now.getTime()) {
      aged.push(c);
      continue;
    }
    const held = judgeAge(c, classifyUpdate(policy, from, c.tag), ages, now);
    if (held) young.push(held);
    else aged.push(c);
  }
  return { aged, young };
}

/**
 * Of the held candidates, the one the policy would choose above `over` (the tag applied now, or
 * the floor): what the decision says is held, and when to look again. The others wait for their
 * own pushes' wake-ups, or the next reconcile.
 */
export function heldAbove(
  policy: SelectionPolicy,
  young: readonly HeldCandidate[],
  over: SelectOptions,
): HeldCandidate | undefined {
  if (young.length === 0) return undefined;
  const chosen = selectTag(policy, young, over).chosen;
  if (!chosen) return undefined;
  return (
    young.find((h) => h.tag === chosen.tag && h.digest === chosen.digest) ??
    young.find((h) => h.tag === chosen.tag)
  );
}
