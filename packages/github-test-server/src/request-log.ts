/** What the server saw, for request counting and round-trip analysis. */

export interface LoggedRequest {
  readonly id: number;
  readonly method: string;
  /** Path without the API prefix, query included. */
  readonly url: string;
  operationId: string | undefined;
  /** 0 while in flight; -1 when the connection was dropped on purpose. */
  status: number;
  /** `performance.now()` when the request arrived. */
  readonly startedAt: number;
  /** `performance.now()` when the response was handed to the socket (NaN while in flight). */
  endedAt: number;
  /**
   * POST/PATCH/PUT/DELETE and GraphQL mutations; not GraphQL queries, and not the installation
   * token exchange (authentication, not content).
   */
  write: boolean;
  /** Login of the authenticated caller. */
  actor: string | undefined;
  /** Name of the fault rule's response when one answered. */
  fault: string | undefined;
  violation: boolean;
}

/**
 * Sequential round trips: requests sorted by start time are cut into waves. A request joins the
 * current wave if it started before every request of that wave had finished (it overlapped the
 * wave, so a client could have sent it concurrently); otherwise it starts a new wave. The number
 * of waves is the number of round trips a client with unlimited parallelism had to wait for.
 */
export function countRoundTrips(requests: readonly Pick<LoggedRequest, 'startedAt' | 'endedAt'>[]): number {
  const sorted = [...requests].sort((a, b) => a.startedAt - b.startedAt);
  let waves = 0;
  let waveEnd = -Infinity;
  for (const request of sorted) {
    const end = Number.isNaN(request.endedAt) ? Infinity : request.endedAt;
    if (request.startedAt >= waveEnd) {
      waves += 1;
      waveEnd = end;
    } else {
      waveEnd = Math.max(waveEnd, end);
    }
  }
  return waves;
}
