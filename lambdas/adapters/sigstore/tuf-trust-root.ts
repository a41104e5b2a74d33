/**
 * The Sigstore public good instance's trusted root (Fulcio CAs, CT log and Rekor keys), through
 * its TUF repository with `@sigstore/tuf`: the library seeds its cache from the root it ships,
 * then updates the TUF metadata and the `trusted_root.json` target from the repository, checking
 * every signature and expiry on the way (the network path is the library's). Loaded on the first
 * keyless check only (`@sigstore/tuf` is a chunk of its own), kept for a day, then refreshed.
 *
 * A refresh that fails keeps the root loaded before for a week at most (a TUF outage does not
 * stop verification; a root older than that is not trusted); with none, keyless checks are held
 * (`trust-root-unavailable`), never passed.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrustRootError, type TrustRootSource } from '../../ports/trust-root.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface TufTrustRootOptions {
  /**
   * Where the TUF metadata and targets are cached (Lambda: its /tmp, kept while the instance
   * lives). @default `<tmpdir>/image-updater-sigstore-tuf`
   */
  readonly cachePath?: string;
  /** How long a loaded root is used before it is refreshed. @default one day */
  readonly maxAgeMs?: number;
  /** How long a loaded root stays usable while refreshes fail. @default seven days */
  readonly maxStaleMs?: number;
  /** How long after a failed load the next one may be tried. @default one minute */
  readonly retryAfterMs?: number;
  /** Loads the root (the TUF client). @default `@sigstore/tuf`'s `getTrustedRoot` */
  readonly load?: (cachePath: string) => Promise<unknown>;
  readonly now?: () => number;
}

async function viaTuf(cachePath: string): Promise<unknown> {
  const { getTrustedRoot } = await import('@sigstore/tuf');
  return getTrustedRoot({ cachePath, retry: { retries: 1 }, timeout: 5000 });
}

export function tufTrustRoot(options: TufTrustRootOptions = {}): TrustRootSource {
  const cachePath = options.cachePath ?? join(tmpdir(), 'image-updater-sigstore-tuf');
  const maxAge = options.maxAgeMs ?? DAY_MS;
  const maxStale = options.maxStaleMs ?? 7 * DAY_MS;
  const retryAfter = options.retryAfterMs ?? 60_000;
  const load = options.load ?? viaTuf;
  const now = options.now ?? Date.now;
  let current: { readonly root: unknown; readonly at: number } | undefined;
  let failed: { readonly error: unknown; readonly at: number } | undefined;
  let loading: Promise<unknown> | undefined;

  const refresh = () =>
    (loading ??= load(cachePath)
      .then(
        (root) => {
          current = { root, at: now() };
          failed = undefined;
          return root;
        },
        (error: unknown) => {
          failed = { error, at: now() };
          throw error;
        },
      )
      .finally(() => (loading = undefined)));

  return {
    async trustedRoot() {
      const t = now();
      if (current && t - current.at < maxAge) return current.root;
      const usable = current && t - current.at < maxStale ? current.root : undefined;
      if (failed && t - failed.at < retryAfter) {
        if (usable !== undefined) return usable;
        throw unavailable(failed.error);
      }
      try {
        return await refresh();
      } catch (error) {
        if (usable !== undefined) return usable;
        throw unavailable(error);
      }
    },
  };
}

function unavailable(error: unknown): TrustRootError {
  const name = (error as { code?: unknown; name?: unknown } | undefined)?.code ?? (error as Error)?.name;
  return new TrustRootError(
    `the Sigstore trusted root could not be loaded from its TUF repository (${String(name ?? 'Error')})`,
    { cause: error },
  );
}
