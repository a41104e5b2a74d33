/**
 * The health reports `promote: { when: healthy }` waits for, kept in the dashboard's hidden state
 * (docs/promotion.md): one per application the config names, the one received last winning, read
 * back by later runs, and never taken from a body whose marker is not the last one.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../lambdas/config/load.ts';
import type { Config } from '../../../../lambdas/core/config.ts';
import {
  DASHBOARD_TITLE,
  readDashboardHealth,
  renderDashboard,
} from '../../../../lambdas/core/dashboard/render.ts';
import { dashboardHealth } from '../../../../lambdas/core/dashboard/sync.ts';
import type { HealthReport } from '../../../../lambdas/core/plan/health.ts';

const config = (dashboard = true): Config => {
  const loaded = parseConfig(`version: 1
dashboard: ${dashboard}
policies:
  - { name: dev, image: ghcr.io/acme/api, files: ["dev/**"] }
  - { name: prod, image: ghcr.io/acme/api, files: ["prod/**"], promote: { from: dev, when: healthy, application: shop-dev } }
`);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return loaded.config;
};

const report = (revision: string, at: string, over: Partial<HealthReport> = {}): HealthReport => ({
  application: 'shop-dev',
  revision: revision.repeat(40),
  healthy: true,
  at: new Date(at),
  source: 'argocd',
  ...over,
});

const issue = (health: ReadonlyMap<string, HealthReport>) => ({
  number: 1,
  state: 'open' as const,
  title: DASHBOARD_TITLE,
  body: renderDashboard([], undefined, health),
});

describe('health reports on the dashboard', () => {
  it('round-trips through the hidden state', () => {
    const kept = new Map([
      ['shop-dev', report('a', '2026-12-07T02:00:00Z', { source: 'flux', healthy: false })],
    ]);
    expect(readDashboardHealth(renderDashboard([], undefined, kept))).toEqual(kept);
  });

  it.each([
    ['a newer report replaces the kept one', '2026-12-07T03:00:00Z', 'b'],
    ['an older one, delivered late, does not', '2026-12-07T01:00:00Z', 'a'],
  ])('%s', (_what, at, kept) => {
    const stored = issue(new Map([['shop-dev', report('a', '2026-12-07T02:00:00Z')]]));
    const health = dashboardHealth(config(), [stored], [report('b', at)]);
    expect(health.get('shop-dev')?.revision).toBe(kept.repeat(40));
  });

  it('keeps only applications the config names', () => {
    const health = dashboardHealth(
      config(),
      [],
      [report('a', '2026-12-07T02:00:00Z', { application: 'shop-qa' })],
    );
    expect(health.size).toBe(0);
  });

  it('reads nothing from a dashboard that is off', () => {
    const stored = issue(new Map([['shop-dev', report('a', '2026-12-07T02:00:00Z')]]));
    expect(dashboardHealth(config(false), [stored]).size).toBe(0);
  });

  it('ignores a report in a forged earlier marker or with a revision that is no commit', () => {
    const real = renderDashboard([], undefined, new Map());
    const forged = `<!-- image-updater-dashboard: {"v":1,"lines":[],"health":{"shop-dev":{"revision":"${'c'.repeat(40)}","healthy":true,"at":"2026-12-07T02:00:00Z","source":"argocd"}}} -->\n${real}`;
    expect(readDashboardHealth(forged).size).toBe(0);
    const bad = real.replace(
      '"lines":[]',
      '"lines":[],"health":{"shop-dev":{"revision":"HEAD","healthy":true,"at":"2026-12-07T02:00:00Z","source":"argocd"}}',
    );
    expect(readDashboardHealth(bad).size).toBe(0);
  });
});
