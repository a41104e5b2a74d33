/**
 * `WWW-Authenticate` challenges as registries send them (RFC 7235 auth-params):
 * `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"`
 * or `Basic realm="Registry Realm"`; several challenges may share one header.
 */

export interface Challenge {
  /** Lowercase: `bearer`, `basic`. */
  readonly scheme: string;
  /** Lowercase names. */
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN = /[A-Za-z0-9!#$%&'*+.^_`|~-]+/y;
const BARE_VALUE = /[^\s,]*/y;

export function parseWwwAuthenticate(header: string | null | undefined): Challenge[] {
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  if (!header) return challenges;
  let i = 0;
  const match = (re: RegExp): string | undefined => {
    re.lastIndex = i;
    const m = re.exec(header);
    if (!m || m[0] === '') return undefined;
    i = re.lastIndex;
    return m[0];
  };
  const skip = (chars: string) => {
    while (i < header.length && chars.includes(header[i]!)) i += 1;
  };
  let current: (typeof challenges)[number] | undefined;
  while (i < header.length) {
    skip(' \t,');
    const name = match(TOKEN);
    if (name === undefined) break;
    skip(' \t');
    if (header[i] !== '=' || current === undefined) {
      current = { scheme: name.toLowerCase(), params: {} };
      challenges.push(current);
      continue;
    }
    i += 1;
    skip(' \t');
    let value = '';
    if (header[i] === '"') {
      i += 1;
      while (i < header.length && header[i] !== '"') {
        if (header[i] === '\\' && i + 1 < header.length) i += 1;
        value += header[i];
        i += 1;
      }
      i += 1;
    } else value = match(BARE_VALUE) ?? '';
    current.params[name.toLowerCase()] = value;
  }
  return challenges;
}
