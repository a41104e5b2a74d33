/**
 * The dashboard issue's body: a table a person reads, a checkbox per line they can act on, and
 * the lines again as hidden state (last), so a later run keeps the lines it does not decide.
 * Bounded by GitHub's 65,536-character body: lines that do not fit are summed up in one line.
 */
import * as z from 'zod';
import { cellCode, markdownText, MAX_BODY_CHARS } from '../apply/markdown.ts';
import { LINE_STATES, type DashboardLine } from './lines.ts';
import type { HealthReport } from '../plan/health.ts';
import { instant } from '../plan/release-age.ts';

export const DASHBOARD_TITLE = 'image-updater dashboard';

const MARKER_OPEN = '<!-- image-updater-dashboard: ';
const MARKER = /^<!--\s*image-updater-dashboard:\s*(\{.*\})\s*-->\s*$/;

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const LineSchema = z.object({
  policy: z.string(),
  image: z.string(),
  state: z.enum(LINE_STATES),
  base: z.string().optional(),
  allowed: z.string().optional(),
  newer: z.string().optional(),
  pull: z.number().int().positive().optional(),
  detail: z.string(),
  follows: z.string().optional(),
  // Read back from a body anyone with write access can edit: only an instant is shown as it is.
  since: z.string().regex(INSTANT),
});
/** The latest health report per application (`promote: { when: healthy }`, core/plan/health.ts). */
const HealthSchema = z.object({
  revision: z.string().regex(/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/),
  healthy: z.boolean(),
  at: z.string().regex(INSTANT),
  source: z.enum(['argocd', 'flux']),
});
const StateSchema = z.object({
  v: z.literal(1),
  lines: z.array(LineSchema),
  /** Set when the updater closed it (`dashboard: false`): turned back on, it is reopened. */
  off: z.literal(true).optional(),
  health: z.record(z.string().max(253), HealthSchema).optional(),
});

export type RenderedLine =
  DashboardLine | { readonly policy: string; readonly image: string; readonly pending: true };

/** What a person can ask for by ticking a line's box. */
export type TickAction = 'retry' | 'unignore';
const TICK = /^\s*[-*] \[[xX]\] <!-- (retry|unignore):([^\s>]+) -->/;

/** The hidden state of a dashboard body (the last marker; earlier ones are forgeries). */
function readState(body: string): z.infer<typeof StateSchema> | undefined {
  const at = body.lastIndexOf(MARKER_OPEN);
  if (at < 0) return undefined;
  const end = body.indexOf('\n', at);
  const json = MARKER.exec(body.slice(body.lastIndexOf('\n', at) + 1, end < 0 ? undefined : end))?.[1];
  if (!json) return undefined;
  try {
    const parsed = StateSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The lines a dashboard body holds in its hidden state. */
export function readDashboardLines(body: string): DashboardLine[] {
  return (readState(body)?.lines ?? []) as DashboardLine[];
}

/** The health reports a dashboard body keeps, by application. */
export function readDashboardHealth(body: string): Map<string, HealthReport> {
  const health = readState(body)?.health ?? {};
  return new Map(
    Object.entries(health).map(([application, r]) => [
      application,
      { application, revision: r.revision, healthy: r.healthy, at: new Date(r.at), source: r.source },
    ]),
  );
}

/** Whether the updater closed this dashboard itself (`dashboard: false`), not a person. */
export function closedByUpdater(body: string): boolean {
  return readState(body)?.off === true;
}

/** The body with its hidden state saying the updater closed it: sent with the close. */
export function markedOff(body: string): string {
  const at = body.lastIndexOf(MARKER_OPEN);
  const kept = at < 0 ? body : body.slice(0, body.lastIndexOf('\n', at) + 1);
  return `${kept}${at < 0 ? '\n' : ''}${stateMarker(readDashboardLines(body), true)}`;
}

/** The boxes ticked in a body, by policy name (the caller keeps only its config's policies). */
export function readTicks(body: string): Map<string, TickAction> {
  const ticks = new Map<string, TickAction>();
  for (const line of body.split('\n')) {
    const m = TICK.exec(line);
    if (m) ticks.set(m[2]!, m[1] as TickAction);
  }
  return ticks;
}

/** One key order, the schema's, whatever order a line was built in: equal lines, equal bodies. */
const LINE_KEYS = Object.keys(LineSchema.shape) as (keyof DashboardLine)[];

function stateMarker(
  lines: readonly DashboardLine[],
  off?: true,
  health?: ReadonlyMap<string, HealthReport>,
): string {
  const ordered = lines.map((l) =>
    Object.fromEntries(LINE_KEYS.filter((k) => l[k] !== undefined).map((k) => [k, l[k]])),
  );
  // Sorted by application, fields in one order: the same reports, the same body.
  const reports =
    health && health.size > 0
      ? Object.fromEntries(
          [...health.values()]
            .sort((a, b) => (a.application < b.application ? -1 : 1))
            .map((r) => [
              r.application,
              { revision: r.revision, healthy: r.healthy, at: instant(r.at), source: r.source },
            ]),
        )
      : undefined;
  const json = JSON.stringify({
    v: 1,
    lines: ordered,
    ...(off ? { off } : {}),
    ...(reports ? { health: reports } : {}),
  }).replace(/[<>]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
  return `${MARKER_OPEN}${json} -->`;
}

const pr = (n: number) => `#${n}`;

function stateCell(l: DashboardLine): string {
  const detail = markdownText(l.detail);
  switch (l.state) {
    case 'up-to-date':
      return l.follows === undefined ? 'up to date' : `up to date: runs what ${markdownText(l.follows)} runs`;
    case 'pr-open':
      return `${pr(l.pull!)} open: ${detail}`;
    case 'held':
      return `**held**: ${detail}`;
    case 'ignored':
      return `**closed** in ${pr(l.pull!)}: ${detail}; not proposed again`;
    case 'blocked':
      return `**blocked**${l.pull ? ` (${pr(l.pull)})` : ''}: ${detail}`;
    case 'failing':
      return `**failing**: ${cellCode(l.detail)}, retried with its events`;
  }
}

function row(l: RenderedLine): string {
  const tag = (t: string | undefined) => (t === undefined ? '–' : cellCode(t));
  if ('pending' in l)
    return `| ${markdownText(l.policy)} | ${cellCode(l.image)} | – | – | – | not decided yet: the next event for its image or the reconcile fills this in | – |`;
  // An open or blocked PR's line shows the PR: its title says the tag.
  const inPull = l.pull !== undefined && (l.state === 'pr-open' || l.state === 'blocked');
  const allowed = inPull ? `in ${pr(l.pull!)}` : tag(l.allowed);
  // A promotion's offer is its source's files, not the registry.
  const registry =
    l.follows !== undefined
      ? `follows ${markdownText(l.follows)}`
      : l.newer !== undefined
        ? cellCode(l.newer)
        : allowed;
  return `| ${markdownText(l.policy)} | ${cellCode(l.image)} | ${tag(l.base)} | ${allowed} | ${registry} | ${stateCell(l)} | ${l.since} |`;
}

function box(l: RenderedLine): string | undefined {
  if ('pending' in l) return undefined;
  const name = markdownText(l.policy);
  if (l.state === 'ignored')
    return `- [ ] <!-- unignore:${l.policy} --> Propose **${name}** again: lift the "no" of ${pr(l.pull!)}`;
  if (l.state === 'held' || l.state === 'failing')
    return `- [ ] <!-- retry:${l.policy} --> Retry **${name}** now, ${l.follows === undefined ? "from the registry's tag list" : `from what ${markdownText(l.follows)} runs`}`;
  return undefined;
}

const HEAD = [
  'Where each image of this repository is, and why, kept by image-updater. Tick a box to act on a line: with GitHub events it acts within seconds, otherwise at its next run. This issue is written only when a line changes.',
  '',
  '| Policy | Image | On the base branch | Newest allowed | Newest in the registry | State | Since |',
  '|---|---|---|---|---|---|---|',
];

/**
 * The body for these lines, at most `MAX_BODY_CHARS`: lines are kept in config order while they
 * (row, box and hidden state) fit; the rest are counted in one line.
 */
export function renderDashboard(
  lines: readonly RenderedLine[],
  max: number = MAX_BODY_CHARS,
  health?: ReadonlyMap<string, HealthReport>,
): string {
  const rows: string[] = [];
  const boxes: string[] = [];
  const kept: DashboardLine[] = [];
  const foot = (left: number) => [
    ...(left > 0
      ? [
          '',
          `${left} more ${left === 1 ? 'policy does' : 'policies do'} not fit in this issue (GitHub takes at most 65,536 characters): each has its pull request when it has an update, and the updater's logs say why when it has none.`,
        ]
      : []),
    ...(boxes.length ? ['', '**Act on a line**', '', ...boxes] : []),
    '',
  ];
  const size = (left: number) =>
    [...HEAD, ...rows, ...foot(left), stateMarker(kept, undefined, health)].join('\n').length;
  let shown = 0;
  for (const l of lines) {
    const r = row(l);
    const b = box(l);
    rows.push(r);
    if (b) boxes.push(b);
    if (!('pending' in l)) kept.push(l);
    // Room for the summary line of what is left, whose digits are at most these.
    if (size(lines.length) > max) {
      rows.pop();
      if (b) boxes.pop();
      if (!('pending' in l)) kept.pop();
      break;
    }
    shown += 1;
  }
  return [...HEAD, ...rows, ...foot(lines.length - shown), stateMarker(kept, undefined, health)].join('\n');
}
