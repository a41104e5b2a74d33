/** GitHubs that are not there: for the tests of what the updater does when GitHub is away. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A port nothing listens on: connections are refused. */
export async function refusedUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export interface HangingServer {
  readonly url: string;
  /** Requests that arrived (none is ever answered). */
  requests(): number;
  close(): Promise<void>;
}

/** Accepts connections and reads requests, never answers: counts what arrives. */
export async function hangingServer(): Promise<HangingServer> {
  let count = 0;
  const s: Server = createServer(() => void (count += 1));
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    requests: () => count,
    async close() {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}
