/**
 * Which environment repositories the updater writes to, and which of them one batch of pushes
 * concerns. A static list (`repos`) wins when given; with a GitHub App and no list, every
 * repository of its installations that passes the discovery filter is watched.
 *
 * With an index, a push runs only the repositories whose config watches its image (plus those
 * whose config could not be read, and, with a static list, those never indexed yet). That is
 * exact only when GitHub tells us of config changes (`trustIndex`: its App webhooks' `push`
 * events). Without them a config edit would go unseen until the reconcile, so every watched
 * repository runs on each push, as before the index, and the index only records.
 */
import pLimit from 'p-limit';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../config/load.ts';
import { canonicalImageName } from '../core/image/reference.ts';
import type { PushedImage } from '../core/push.ts';
import {
  discoveryAllows,
  indexEntryOf,
  type ConfigReading,
  type DiscoveryFilter,
  type IndexEntry,
} from '../core/repo-index.ts';
import type { DiscoveredRepo, GitHost } from '../ports/git-host.ts';
import type { ImageIndex } from '../ports/image-index.ts';
import type { Log } from '../ports/telemetry.ts';
import { configPathOf, type WatchedRepo } from './env.ts';
import { readingOf } from './run-repo.ts';
import { errorFields } from '../errors.ts';

export interface Discovery extends DiscoveryFilter {
  /** The config file's path in every discovered repository. @default `.image-updater.yaml` */
  readonly configPath?: string;
}

export interface RepoDirectoryOptions {
  /** The static list: when non-empty, only these repositories are watched. */
  readonly repos: readonly WatchedRepo[];
  /** With a GitHub App and no static list. */
  readonly discovery?: Discovery;
  readonly index?: ImageIndex;
  /** GitHub's `push` events keep the index fresh: it alone picks a push's repositories. */
  readonly trustIndex?: boolean;
  readonly log: Log;
  readonly now?: () => number;
  /** Config reads at once while discovering or refreshing. @default 8 */
  readonly concurrency?: number;
}

export class RepoDirectory {
  private readonly statics: ReadonlyMap<string, WatchedRepo>;
  /** Static repositories the index had no entry for at this instance's first look. */
  private unindexed: Set<string> | undefined;
  private trusted = false;
  private building: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: RepoDirectoryOptions) {
    this.statics = new Map(options.repos.map((r) => [r.repo.toLowerCase(), r]));
    this.now = options.now ?? Date.now;
  }

  get discovering(): boolean {
    return this.statics.size === 0 && this.options.discovery !== undefined;
  }

  /** The repositories a batch of pushes runs. */
  async targetsFor(host: GitHost, pushes: readonly PushedImage[]): Promise<readonly WatchedRepo[]> {
    const { index } = this.options;
    if (!index || !this.options.trustIndex) return this.watched(host);
    // Discovery's index is the list of repositories itself: trusted only once a discovery has
    // completed (here or in another instance), never while one is half-way.
    if (this.discovering && !this.trusted) {
      await this.building;
      if ((await index.discoveredAt()) === undefined) await this.discover(host);
      this.trusted = true;
    }
    const images = [...new Set(pushes.map((p) => canonicalImageName(p.image) ?? p.image))];
    const [entries, missing] = await Promise.all([index.lookup(images), this.unindexedStatics()]);
    const targets = new Map<string, WatchedRepo>();
    for (const entry of entries) {
      const repo = this.repoOf(entry);
      if (repo) targets.set(repo.repo.toLowerCase(), repo);
    }
    for (const key of missing) targets.set(key, this.statics.get(key)!);
    return [...targets.values()];
  }

  /** Every watched repository (the reconcile; a push without a trusted index). */
  async watched(host: GitHost): Promise<readonly WatchedRepo[]> {
    if (!this.discovering) return [...this.statics.values()];
    const index = this.options.index;
    await this.building;
    const complete = index ? (await index.discoveredAt()) !== undefined : false;
    const entries = complete && index ? await index.all() : await this.discover(host);
    return entries.filter((e) => e.status !== 'no-config').map((e) => this.asWatched(e));
  }

  /** The static list's entry, or a discovered repository's; undefined for one not watched. */
  repoOf(entry: Pick<IndexEntry, 'repo' | 'configPath'>): WatchedRepo | undefined {
    if (!this.discovering) return this.statics.get(entry.repo.toLowerCase());
    return this.asWatched(entry);
  }

  /** Whether events about `repo` concern us, and its settings when they do. */
  async lookup(repo: string): Promise<WatchedRepo | undefined> {
    if (!this.discovering) return this.statics.get(repo.toLowerCase());
    const entry = await this.options.index?.get(repo);
    return entry ? this.asWatched(entry) : undefined;
  }

  /** The repository's index entry, when there is an index and it has one. */
  async entry(repo: string): Promise<IndexEntry | undefined> {
    return this.options.index?.get(repo);
  }

  /**
   * Records what a run read of the repository's config at `readAt` (when the read started: a
   * later reading already in the index is kept).
   */
  async record(
    repo: WatchedRepo,
    reading: ConfigReading,
    { readAt, installationId }: { readonly readAt: number; readonly installationId?: number | undefined },
  ): Promise<IndexEntry | undefined> {
    const { index } = this.options;
    if (!index) return undefined;
    const previous =
      reading.kind === 'unreadable' ? await index.get(repo.repo).catch(() => undefined) : undefined;
    const entry = indexEntryOf(
      {
        repo: repo.repo,
        configPath: configPathOf(repo),
        ...(installationId !== undefined ? { installationId } : {}),
      },
      reading,
      readAt,
      previous,
    );
    await index.put(entry);
    this.unindexed?.delete(repo.repo.toLowerCase());
    return entry;
  }

  /**
   * Reads the repository's config alone (one conditional request) and records it. A read that
   * fails marks the entry `unread`, so every push runs the repository until a read succeeds.
   */
  async refresh(host: GitHost, repo: WatchedRepo, installationId?: number): Promise<IndexEntry | undefined> {
    const [owner, name] = repo.repo.split('/') as [string, string];
    const readAt = this.now();
    let reading: ConfigReading;
    try {
      const client = await host.repo({ owner, name });
      const config = await client.readConfig(configPathOf(repo));
      // GitHub answers 404 for a file that is missing and for a repository it no longer shows
      // us. A listed repository is confirmed (discovery's list says it exists).
      if (!config && !this.discovering) await client.checkAccess?.();
      reading = readingOf(config, config ? await loadConfig(config.text) : undefined);
    } catch (error) {
      this.options.log.warn('config could not be read; the repository runs on every push until it is', {
        repo: repo.repo,
        ...errorFields(error),
      });
      reading = { kind: 'unreadable' };
    }
    return this.record(repo, reading, { readAt, installationId });
  }

  /**
   * Lists the App's repositories, indexes those the filter allows (a config read each,
   * conditional) and forgets those no longer there. Returns the entries.
   */
  async discover(host: GitHost): Promise<readonly IndexEntry[]> {
    if (!host.listRepositories) return [];
    const started = this.now();
    const found = await host.listRepositories();
    const entries = await this.index(host, found, { forgetOthers: true });
    await this.options.index?.markDiscovered(started);
    return entries;
  }

  /**
   * `serve`'s start: the index built in the background (a slow GitHub does not hold the webhooks
   * back). Pushes meanwhile: with discovery they wait for it; with a list, the repositories not
   * indexed yet run.
   */
  /** Resolves once `startBuilding`'s build is over (at once when none was started). */
  async ready(): Promise<void> {
    await this.building;
  }

  startBuilding(host: GitHost): void {
    const build = this.discovering ? this.discover(host) : this.refreshAll(host);
    this.building = build.then(
      () => undefined,
      (error: unknown) =>
        this.options.log.warn('image index not built at start; the first push builds it', errorFields(error)),
    );
  }

  /** The discovered entries found in one App installation (none without discovery). */
  async discoveredIn(installationId: number): Promise<readonly IndexEntry[]> {
    const { index } = this.options;
    if (!index || !this.discovering) return [];
    return (await index.all()).filter((e) => e.installationId === installationId);
  }

  /** A discovered repository no longer watched. */
  async forget(repo: string): Promise<void> {
    await this.options.index?.remove(repo);
  }

  /** Reads every listed repository's config (a start, before the first push). */
  async refreshAll(host: GitHost): Promise<void> {
    const limit = pLimit(this.options.concurrency ?? 8);
    await Promise.all([...this.statics.values()].map((repo) => limit(() => this.refresh(host, repo))));
  }

  /** Indexes repositories an installation event named (`installation_repositories` added). */
  async add(host: GitHost, found: readonly DiscoveredRepo[]): Promise<readonly IndexEntry[]> {
    return this.index(host, found, { forgetOthers: false });
  }

  private async index(
    host: GitHost,
    found: readonly DiscoveredRepo[],
    { forgetOthers }: { readonly forgetOthers: boolean },
  ): Promise<readonly IndexEntry[]> {
    const filter = this.options.discovery ?? {};
    const allowed = found.filter((r) =>
      this.discovering ? discoveryAllows(filter, r) : this.statics.has(r.repo.toLowerCase()),
    );
    const limit = pLimit(this.options.concurrency ?? 8);
    const entries = await Promise.all(
      allowed.map((r) =>
        limit(() =>
          this.refresh(
            host,
            this.repoOf({ repo: r.repo, configPath: this.discoveredConfigPath })!,
            r.installationId,
          ),
        ),
      ),
    );
    const index = this.options.index;
    if (forgetOthers && index && this.discovering) {
      const keep = new Set(allowed.map((r) => r.repo.toLowerCase()));
      for (const entry of await index.all())
        if (!keep.has(entry.repo.toLowerCase())) await index.remove(entry.repo);
    }
    const counts = { found: found.length, watched: allowed.length };
    if (this.discovering && forgetOthers && found.length > 0 && allowed.length === 0)
      this.options.log.warn('the discovery filter leaves no repository of the installations', {
        ...counts,
        filter,
      });
    else this.options.log.info('repositories discovered', counts);
    return entries.filter((e): e is IndexEntry => e !== undefined);
  }

  /** The config path of every discovered repository. */
  get discoveredConfigPath(): string {
    return this.options.discovery?.configPath ?? DEFAULT_CONFIG_PATH;
  }

  private asWatched(entry: Pick<IndexEntry, 'repo' | 'configPath'>): WatchedRepo {
    return entry.configPath === DEFAULT_CONFIG_PATH
      ? { repo: entry.repo }
      : { repo: entry.repo, configPath: entry.configPath };
  }

  /** Once per instance: which static repositories the index has never seen (they run until it has). */
  private async unindexedStatics(): Promise<ReadonlySet<string>> {
    if (this.discovering || !this.options.index) return new Set();
    if (!this.unindexed) {
      // An entry made for another config path (the list changed) does not count.
      const known = new Set(
        (await this.options.index.all())
          .filter(
            (e) => e.configPath === configPathOf(this.statics.get(e.repo.toLowerCase()) ?? { repo: e.repo }),
          )
          .map((e) => e.repo.toLowerCase()),
      );
      this.unindexed = new Set([...this.statics.keys()].filter((key) => !known.has(key)));
    }
    return this.unindexed;
  }
}
