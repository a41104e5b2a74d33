/**
 * `minimumReleaseAge` (SPEC §3, issue 17): a candidate younger than the age its update type asks
 * for is held, not applied. The age is counted from the registry's push time (the push event's
 * time, ECR `imagePushedAt`), never from a label the publisher controls; a candidate without one
 * is held too. Pure: the time comes in as `now`.
 */
import { RELEASE_AGE_KEYS, type ReleaseAges } from '../config.ts';
import {
  classifyUpdate,
  selectTag,
  updateClassifier,
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

/** Whether a policy's ages can hold anything back at all. */
export function hasReleaseAge(ages: ReleaseAges | undefined): ages is ReleaseAges {
  return ages !== undefined && Object.values(ages).some((ms) => ms > 0);
}

/** A candidate too young (or of unknown age); the sentence is written only for the one reported. */
interface Young {
  readonly candidate: TagCandidate;
  readonly age: number;
  /** Unset when every update type has the same age: then nothing needed to classify it. */
  readonly type?: UpdateType;
}

/** The candidates split by the gate: those old enough, and those held. */
export interface AgeGate {
  readonly aged: readonly TagCandidate[];
  readonly young: readonly Young[];
  /** The tag the update type is measured from. */
  readonly from: string | undefined;
}

/**
 * Splits candidates by age: exactly `pushedAt + age <= now` passes; no push time, or no `now`,
 * holds (the gate fails closed). The update type is measured from `from` (the base branch), as
 * `automerge` measures it: the change a merge would make. Only what the age depends on is
 * computed: a candidate older than the largest age passes unclassified, and with one age for
 * every update type none is classified.
 */
export function gateByAge(
  policy: SelectionPolicy,
  ages: ReleaseAges,
  candidates: readonly TagCandidate[],
  from: string | undefined,
  now: Date | undefined,
): AgeGate {
  const values = RELEASE_AGE_KEYS.map((k) => ages[k] ?? 0);
  const longest = Math.max(...values);
  const uniform = values.every((v) => v === longest);
  const at = now?.getTime();
  const classify = uniform ? undefined : updateClassifier(policy, from);
  const aged: TagCandidate[] = [];
  const young: Young[] = [];
  for (const c of candidates) {
    const pushed = c.pushedAt?.getTime();
    const known = pushed !== undefined && !Number.isNaN(pushed);
    if (at !== undefined && known && pushed + longest <= at) {
      aged.push(c);
      continue;
    }
    const type = classify?.(c.tag);
    const age = type === undefined ? longest : (ages[type] ?? 0);
    if (age === 0 || (at !== undefined && known && pushed + age <= at)) aged.push(c);
    else young.push({ candidate: c, age, ...(type ? { type } : {}) });
  }
  return { aged, young, from };
}

/**
 * Of the held candidates, the one the policy would choose above `over` (the tag applied now, or
 * the floor): what the decision says is held, and when to look again. The others wait for their
 * own pushes' wake-ups, or the next reconcile.
 */
export function heldAbove(
  policy: SelectionPolicy,
  gate: AgeGate,
  over: SelectOptions,
): HeldCandidate | undefined {
  if (gate.young.length === 0) return undefined;
  const chosen = selectTag(
    policy,
    gate.young.map((y) => y.candidate),
    over,
  ).chosen;
  if (!chosen) return undefined;
  const y =
    gate.young.find((h) => h.candidate.tag === chosen.tag && h.candidate.digest === chosen.digest) ??
    gate.young.find((h) => h.candidate.tag === chosen.tag)!;
  return describe(y, y.type ?? classifyUpdate(policy, gate.from, y.candidate.tag));
}

function describe(y: Young, updateType: UpdateType): HeldCandidate {
  const { candidate, age } = y;
  const base = { ...candidate, updateType, age };
  const rule = `minimumReleaseAge ${formatDuration(age)} (${updateType})`;
  const pushed = candidate.pushedAt;
  if (pushed === undefined || Number.isNaN(pushed.getTime()))
    return { ...base, reason: `${candidate.tag}: push time unknown, ${rule} cannot be checked` };
  const due = new Date(pushed.getTime() + age);
  return {
    ...base,
    due,
    reason: `${candidate.tag}: pushed at ${instant(pushed)}, ${rule}: due at ${instant(due)}`,
  };
}
