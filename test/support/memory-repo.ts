import type { RepoFiles } from '../../lambdas/ports/repo-files.ts';

/** A repository held in memory, counting reads so tests can assert what was read. */
export class MemoryRepo implements RepoFiles {
  readonly reads: string[] = [];

  constructor(readonly files: Record<string, string>) {}

  async listFiles(): Promise<readonly string[]> {
    return Object.keys(this.files).sort();
  }

  async readFile(path: string): Promise<string | undefined> {
    this.reads.push(path);
    return this.files[path];
  }
}
