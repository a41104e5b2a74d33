/**
 * The "Promotion" section of a promotion's PR (docs/promotion.md): where the change comes from
 * (the source policy and its base branch, the PR or commit that brought it there), how long the
 * source has run it (and the soak `promote.after` asked for, the health report `when: healthy`
 * waited for), and the digest, so a reviewer judges the promotion without leaving the PR.
 */
import type { UnitPlan } from '../plan/units.ts';
import { inlineCode, markdownText } from './markdown.ts';
import type { PrBodySection } from './pr-body.ts';
import { formatInstant } from './pr-state.ts';
import { formatDuration as formatAfter } from '../plan/release-age.ts';

/** `3 h 20 min`, `2 d 4 h`, `45 s`: how long, to a reader. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const [d, h, m] = [Math.floor(s / 86_400), Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60];
  if (d > 0) return `${d} d${h > 0 ? ` ${h} h` : ''}`;
  if (h > 0) return `${h} h${m > 0 ? ` ${m} min` : ''}`;
  return m > 0 ? `${m} min` : `${s} s`;
}

export function promotionSections(unit: UnitPlan, now: Date = new Date()): PrBodySection[] {
  const lines = unit.updates.flatMap((u) => {
    const p = u.promotion;
    if (!p?.target) return [];
    const landing = p.landing;
    const by = landing?.pull
      ? `brought there by #${landing.pull}${landing.commit ? ` (${landing.commit})` : ''}`
      : landing?.commit
        ? `brought there by ${landing.commit}`
        : 'brought there by a commit that was not an image-updater pull request on the latest page of pull requests';
    const since = landing?.at
      ? `, since ${formatInstant(landing.at)} (${formatDuration(now.getTime() - landing.at.getTime())} when this was written)`
      : '';
    const digest = p.target.digest
      ? `the same image, digest ${inlineCode(p.target.digest)}`
      : `no digest in the files of ${markdownText(p.from)}: the tag is promoted, and resolves to whatever it points at in the registry`;
    const soak = p.soak?.done
      ? [
          `  - soak: ran ${formatDuration(p.soak.ran ?? p.soak.after)} of the required ${formatDuration(p.soak.after)} (${inlineCode(`promote.after: ${formatAfter(p.soak.after)}`)}${p.soak.due ? `, due at ${formatInstant(p.soak.due)}` : ''}).`,
        ]
      : [];
    const health =
      p.health?.done && p.health.report && p.health.commit
        ? [
            `  - health: ${markdownText(p.health.application)} reported healthy at ${inlineCode(p.health.report.revision)} (${p.health.report.source}, ${formatInstant(p.health.report.at)}), which contains ${inlineCode(p.health.commit)}.`,
          ]
        : [];
    return [
      `- ${markdownText(u.policy.name)} follows ${markdownText(p.from)}, which runs ${inlineCode(p.target.tag)} on ${inlineCode(p.baseBranch)}${p.at ? ` (${inlineCode(p.at)})` : ''}: ${by}${since}.`,
      ...soak,
      ...health,
      `  - ${digest}.`,
    ];
  });
  return lines.length > 0 ? [{ heading: 'Promotion', markdown: lines.join('\n') }] : [];
}
