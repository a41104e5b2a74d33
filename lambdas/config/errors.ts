/** One problem in a config file, pointing at the offending key or value. */
export interface ConfigIssue {
  /** Dotted key path, e.g. `policies[0].range`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

export function formatConfigIssue(file: string, issue: ConfigIssue): string {
  return `${file}:${issue.line}:${issue.column}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}`;
}
