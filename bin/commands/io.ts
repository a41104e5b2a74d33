/** What a CLI command may touch: injected so tests run commands in-process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Reads standard input to its end; undefined once it grows past `maxBytes`. */
  readonly readStdin: (maxBytes: number) => Promise<string | undefined>;
  readonly cwd: string;
}

/** Exit codes shared by every command (SPEC §9). */
export const EXIT = { ok: 0, negative: 1, invalidInput: 2 } as const;

/** A usage or input error: printed as one line on stderr, exit 2, never a stack trace. */
export class CliInputError extends Error {}

export type Command = (args: string[], io: CliIo) => Promise<number>;
