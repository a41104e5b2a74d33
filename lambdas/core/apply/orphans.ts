import type { Config } from '../config.ts';
import type { RepoClient } from '../../ports/git-host.ts';
import { unitKey } from '../plan/units.ts';
import { closePull } from './close-pull.ts';
import type { OpenPull } from './open-pulls.ts';
import type { UnitReport } from './report.ts';

/** Closes the open updater PRs whose policy or group no longer exists in the config. */
export async function closeOrphans(
  client: RepoClient,
  config: Config,
  pulls: ReadonlyMap<string, OpenPull>,
): Promise<UnitReport[]> {
  const live = new Set(config.policies.map(unitKey));
  const orphans = [...pulls].flatMap(([key, { pull, state }]) =>
    !live.has(key) && state ? [{ key, pull, state }] : [],
  );
  return Promise.all(
    orphans.map(async ({ key, pull, state }) => {
      await closePull(
        client,
        pull,
        state,
        `Superseded: the config no longer has a policy or group named \`${key}\`.`,
      );
      return { key, branch: pull.headRef, action: 'closed' as const, pull: pull.number, updates: [] };
    }),
  );
}
