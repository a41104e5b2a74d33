import { createHash } from 'node:crypto';

/**
 * Git objects with real object ids: the bytes hashed are exactly what `git hash-object` hashes,
 * so a blob's sha matches `git hash-object` and trees/commits are content-addressed the same way.
 */

export type FileMode = '100644' | '100755' | '040000' | '160000' | '120000';

export interface TreeEntry {
  readonly name: string;
  readonly mode: FileMode;
  readonly type: 'blob' | 'tree' | 'commit';
  readonly sha: string;
}

export interface Signature {
  readonly name: string;
  readonly email: string;
  /** ISO 8601, whole seconds, UTC. */
  readonly date: string;
}

export interface CommitObject {
  readonly type: 'commit';
  readonly tree: string;
  readonly parents: readonly string[];
  readonly author: Signature;
  readonly committer: Signature;
  readonly message: string;
}

export type GitObject =
  | { readonly type: 'blob'; readonly data: Buffer }
  | { readonly type: 'tree'; readonly entries: readonly TreeEntry[] }
  | CommitObject;

/** A file (or submodule/symlink) in a flattened tree, keyed by its full path. */
export interface Leaf {
  readonly mode: FileMode;
  readonly type: 'blob' | 'commit';
  readonly sha: string;
}

export interface TreeChange {
  readonly path: string;
  readonly status: 'added' | 'removed' | 'modified';
  readonly before: Leaf | undefined;
  readonly after: Leaf | undefined;
}

const EMPTY_TREE_SHA = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

function hashObject(type: string, payload: Buffer): string {
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`${type} ${payload.length}\0`), payload]))
    .digest('hex');
}

function formatSignature(signature: Signature): string {
  return `${signature.name} <${signature.email}> ${Math.floor(Date.parse(signature.date) / 1000)} +0000`;
}

/** Git orders tree entries by name, comparing directories as if their name ended with '/'. */
function entrySortKey(entry: TreeEntry): Buffer {
  return Buffer.from(entry.type === 'tree' ? `${entry.name}/` : entry.name);
}

export class ObjectStore {
  private readonly objects = new Map<string, GitObject>();
  /** Commits GitHub signed itself (made by an App, without author or committer): Verified. */
  private readonly signed = new Set<string>();

  constructor() {
    this.objects.set(EMPTY_TREE_SHA, { type: 'tree', entries: [] });
  }

  has(sha: string): boolean {
    return this.objects.has(sha);
  }

  get(sha: string): GitObject | undefined {
    return this.objects.get(sha);
  }

  blob(sha: string): Buffer | undefined {
    const object = this.objects.get(sha);
    return object?.type === 'blob' ? object.data : undefined;
  }

  tree(sha: string): readonly TreeEntry[] | undefined {
    const object = this.objects.get(sha);
    return object?.type === 'tree' ? object.entries : undefined;
  }

  commit(sha: string): CommitObject | undefined {
    const object = this.objects.get(sha);
    return object?.type === 'commit' ? object : undefined;
  }

  putBlob(data: Buffer): string {
    const sha = hashObject('blob', data);
    if (!this.objects.has(sha)) this.objects.set(sha, { type: 'blob', data });
    return sha;
  }

  putTree(entries: readonly TreeEntry[]): string {
    const sorted = [...entries].sort((a, b) => Buffer.compare(entrySortKey(a), entrySortKey(b)));
    const payload = Buffer.concat(
      sorted.flatMap((entry) => [
        Buffer.from(`${entry.mode === '040000' ? '40000' : entry.mode} ${entry.name}\0`),
        Buffer.from(entry.sha, 'hex'),
      ]),
    );
    const sha = hashObject('tree', payload);
    if (!this.objects.has(sha)) this.objects.set(sha, { type: 'tree', entries: sorted });
    return sha;
  }

  putCommit(commit: Omit<CommitObject, 'type'>): string {
    const lines = [
      `tree ${commit.tree}`,
      ...commit.parents.map((parent) => `parent ${parent}`),
      `author ${formatSignature(commit.author)}`,
      `committer ${formatSignature(commit.committer)}`,
      '',
      commit.message,
    ];
    const sha = hashObject('commit', Buffer.from(lines.join('\n')));
    if (!this.objects.has(sha)) this.objects.set(sha, { type: 'commit', ...commit });
    return sha;
  }

  markSigned(sha: string): void {
    this.signed.add(sha);
  }

  isSigned(sha: string): boolean {
    return this.signed.has(sha);
  }

  /** Every file of a tree by full path (trees themselves are implied by the paths). */
  flatten(treeSha: string): Map<string, Leaf> {
    const files = new Map<string, Leaf>();
    const walk = (sha: string, prefix: string): void => {
      for (const entry of this.tree(sha) ?? []) {
        const path = prefix + entry.name;
        if (entry.type === 'tree') walk(entry.sha, `${path}/`);
        else files.set(path, { mode: entry.mode, type: entry.type, sha: entry.sha });
      }
    };
    walk(treeSha, '');
    return files;
  }

  /** Builds (and stores) the nested trees for a flat file map; returns the root tree's sha. */
  buildTree(files: ReadonlyMap<string, Leaf>): string {
    interface Dir {
      readonly dirs: Map<string, Dir>;
      readonly files: Map<string, Leaf>;
    }
    const root: Dir = { dirs: new Map(), files: new Map() };
    for (const [path, leaf] of files) {
      const parts = path.split('/');
      const name = parts.pop() as string;
      let dir = root;
      for (const part of parts) {
        let next = dir.dirs.get(part);
        if (!next) {
          next = { dirs: new Map(), files: new Map() };
          dir.dirs.set(part, next);
        }
        dir = next;
      }
      dir.files.set(name, leaf);
    }
    const write = (dir: Dir): string =>
      this.putTree([
        ...[...dir.files].map(([name, leaf]) => ({ name, ...leaf })),
        ...[...dir.dirs].map(([name, child]) => ({
          name,
          mode: '040000' as const,
          type: 'tree' as const,
          sha: write(child),
        })),
      ]);
    return write(root);
  }

  /** Recursive listing as GitHub's `recursive=1` returns it: trees and files, parents first. */
  listRecursive(treeSha: string): { path: string; entry: TreeEntry }[] {
    const listing: { path: string; entry: TreeEntry }[] = [];
    const walk = (sha: string, prefix: string): void => {
      for (const entry of this.tree(sha) ?? []) {
        listing.push({ path: prefix + entry.name, entry });
        if (entry.type === 'tree') walk(entry.sha, `${prefix}${entry.name}/`);
      }
    };
    walk(treeSha, '');
    return listing;
  }

  /** The entry at a path inside a tree ('' is the tree itself). */
  lookup(treeSha: string, path: string): TreeEntry | undefined {
    const parts = path.split('/').filter((part) => part !== '');
    let current: TreeEntry = { name: '', mode: '040000', type: 'tree', sha: treeSha };
    for (const part of parts) {
      if (current.type !== 'tree') return undefined;
      const next = this.tree(current.sha)?.find((entry) => entry.name === part);
      if (!next) return undefined;
      current = next;
    }
    return current;
  }

  /** All commits reachable from `sha`, itself included. */
  ancestors(sha: string): Set<string> {
    const seen = new Set<string>();
    const stack = [sha];
    while (stack.length > 0) {
      const current = stack.pop() as string;
      if (seen.has(current)) continue;
      seen.add(current);
      for (const parent of this.commit(current)?.parents ?? []) stack.push(parent);
    }
    return seen;
  }

  isAncestor(ancestor: string, descendant: string): boolean {
    return this.ancestors(descendant).has(ancestor);
  }

  /** The nearest common ancestor (breadth-first from `b`), undefined for unrelated histories. */
  mergeBase(a: string, b: string): string | undefined {
    const fromA = this.ancestors(a);
    const queue = [b];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const current = queue.shift() as string;
      if (seen.has(current)) continue;
      seen.add(current);
      if (fromA.has(current)) return current;
      queue.push(...(this.commit(current)?.parents ?? []));
    }
    return undefined;
  }

  /** Commits reachable from `head` but not from `base`, oldest first. */
  commitsBetween(base: string | undefined, head: string): string[] {
    const excluded = base ? this.ancestors(base) : new Set<string>();
    const order: string[] = [];
    const visited = new Set<string>();
    const visit = (sha: string): void => {
      // Iterative post-order: parents before children.
      const stack: { sha: string; expanded: boolean }[] = [{ sha, expanded: false }];
      while (stack.length > 0) {
        const top = stack.pop() as { sha: string; expanded: boolean };
        if (top.expanded) {
          order.push(top.sha);
          continue;
        }
        if (visited.has(top.sha) || excluded.has(top.sha)) continue;
        visited.add(top.sha);
        stack.push({ sha: top.sha, expanded: true });
        for (const parent of [...(this.commit(top.sha)?.parents ?? [])].reverse()) {
          if (!visited.has(parent) && !excluded.has(parent)) stack.push({ sha: parent, expanded: false });
        }
      }
    };
    visit(head);
    return order;
  }

  diff(beforeTree: string | undefined, afterTree: string): TreeChange[] {
    const before = beforeTree ? this.flatten(beforeTree) : new Map<string, Leaf>();
    const after = this.flatten(afterTree);
    const changes: TreeChange[] = [];
    for (const [path, leaf] of after) {
      const old = before.get(path);
      if (!old) changes.push({ path, status: 'added', before: undefined, after: leaf });
      else if (old.sha !== leaf.sha || old.mode !== leaf.mode)
        changes.push({ path, status: 'modified', before: old, after: leaf });
    }
    for (const [path, leaf] of before) {
      if (!after.has(path)) changes.push({ path, status: 'removed', before: leaf, after: undefined });
    }
    return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * Path-level three-way merge: a path changed on one side takes that side's version; a path
   * changed on both sides to different results is a conflict (no line-level merging).
   */
  merge3(
    baseTree: string | undefined,
    oursTree: string,
    theirsTree: string,
  ): { tree: string; conflicts: string[] } {
    const base = baseTree ? this.flatten(baseTree) : new Map<string, Leaf>();
    const ours = this.flatten(oursTree);
    const theirs = this.flatten(theirsTree);
    const same = (a: Leaf | undefined, b: Leaf | undefined): boolean =>
      a === b || (!!a && !!b && a.sha === b.sha && a.mode === b.mode);
    const result = new Map<string, Leaf>();
    const conflicts: string[] = [];
    for (const path of new Set([...base.keys(), ...ours.keys(), ...theirs.keys()])) {
      const b = base.get(path);
      const o = ours.get(path);
      const t = theirs.get(path);
      let chosen: Leaf | undefined;
      if (same(o, t)) chosen = o;
      else if (same(b, o)) chosen = t;
      else if (same(b, t)) chosen = o;
      else {
        conflicts.push(path);
        chosen = o;
      }
      if (chosen) result.set(path, chosen);
    }
    // A file on one side and a directory of the same name on the other cannot both exist.
    for (const path of result.keys()) {
      const parts = path.split('/');
      for (let index = 1; index < parts.length; index += 1) {
        const parent = parts.slice(0, index).join('/');
        if (result.has(parent)) conflicts.push(parent);
      }
    }
    if (conflicts.length > 0) return { tree: oursTree, conflicts: [...new Set(conflicts)].sort() };
    return { tree: this.buildTree(result), conflicts: [] };
  }
}
