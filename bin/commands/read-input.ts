/**
 * Files and standard input a user names on the command line, read with a size limit checked
 * while reading: `/dev/zero`, a FIFO a writer never closes, or `yes | image-updater …` would
 * otherwise fill memory until V8 aborts.
 */
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatBytes } from './definitions.ts';
import { CliInputError, type CliIo } from './io.ts';

/** The text of `stream`, or undefined once it is longer than `maxBytes` (the stream is then destroyed). */
export async function readBounded(
  stream: AsyncIterable<Buffer | string>,
  maxBytes: number,
): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += buffer.length;
    // Leaving the loop destroys the stream: a never-ending source is not read further.
    if (total > maxBytes) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export interface InputSource {
  /** `-` reads standard input. */
  readonly path: string;
  /** Prefixes every message: `--tags: `. */
  readonly label: string;
  readonly maxBytes: number;
  /** What the limit is for, in the message: "a tag list". */
  readonly what: string;
}

/** Reads a file (or stdin for `-`); every failure is one CliInputError line that says which. */
export async function readInput(source: InputSource, io: CliIo): Promise<string> {
  const { path, label, maxBytes, what } = source;
  const tooLarge = () =>
    new CliInputError(
      `${label}${path === '-' ? 'standard input' : path} is larger than ${formatBytes(maxBytes)}, the limit for ${what}`,
    );
  if (path === '-') {
    const text = await io.readStdin(maxBytes);
    if (text === undefined) throw tooLarge();
    return text;
  }
  let handle;
  try {
    handle = await open(resolve(io.cwd, path), 'r');
  } catch (error) {
    throw new CliInputError(`${label}cannot read ${path}: ${errorCode(error)}`);
  }
  try {
    if ((await handle.stat()).isDirectory())
      throw new CliInputError(`${label}${path} is a directory, not a file`);
    const text = await readBounded(handle.createReadStream({ autoClose: false }), maxBytes).catch(
      (error: unknown) => {
        throw new CliInputError(`${label}cannot read ${path}: ${errorCode(error)}`);
      },
    );
    if (text === undefined) throw tooLarge();
    return text;
  } finally {
    await handle.close();
  }
}

export function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}
