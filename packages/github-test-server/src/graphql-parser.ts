/**
 * A GraphQL query-document parser for what clients send GitHub: operations with variables,
 * fields with aliases and arguments, fragments and inline fragments. No directives.
 */

export interface Location {
  readonly line: number;
  readonly column: number;
}

export type Value =
  | { readonly kind: 'variable'; readonly name: string }
  | { readonly kind: 'int' | 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'enum'; readonly value: string }
  | { readonly kind: 'list'; readonly values: readonly Value[] }
  | { readonly kind: 'object'; readonly fields: Readonly<Record<string, Value>> };

export interface FieldNode {
  readonly kind: 'field';
  readonly alias: string | undefined;
  readonly name: string;
  readonly args: Readonly<Record<string, Value>>;
  readonly selections: readonly SelectionNode[] | undefined;
  readonly location: Location;
}

interface InlineFragmentNode {
  readonly kind: 'inline';
  readonly typeCondition: string | undefined;
  readonly selections: readonly SelectionNode[];
  readonly location: Location;
}

interface FragmentSpreadNode {
  readonly kind: 'spread';
  readonly name: string;
  readonly location: Location;
}

export type SelectionNode = FieldNode | InlineFragmentNode | FragmentSpreadNode;

interface VariableDefinition {
  readonly name: string;
  readonly type: string;
  readonly defaultValue: Value | undefined;
}

export interface OperationNode {
  readonly type: 'query' | 'mutation' | 'subscription';
  readonly name: string | undefined;
  readonly variables: readonly VariableDefinition[];
  readonly selections: readonly SelectionNode[];
  readonly location: Location;
}

export interface DocumentNode {
  readonly operations: readonly OperationNode[];
  readonly fragments: ReadonlyMap<
    string,
    { readonly typeCondition: string; readonly selections: readonly SelectionNode[] }
  >;
}

export class GraphQLSyntaxError extends Error {
  constructor(
    message: string,
    readonly location: Location,
  ) {
    super(message);
    this.name = 'GraphQLSyntaxError';
  }
}

interface Token {
  readonly kind: 'punct' | 'name' | 'int' | 'float' | 'string' | 'eof';
  readonly value: string;
  readonly location: Location;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  let line = 1;
  let lineStart = 0;
  const location = (): Location => ({ line, column: index - lineStart + 1 });
  while (index < source.length) {
    const char = source[index] as string;
    if (char === '\n') {
      index += 1;
      line += 1;
      lineStart = index;
      continue;
    }
    if (char === ' ' || char === '\t' || char === '\r' || char === ',' || char === '\ufeff') {
      index += 1;
      continue;
    }
    if (char === '#') {
      while (index < source.length && source[index] !== '\n') index += 1;
      continue;
    }
    const at = location();
    if (source.startsWith('...', index)) {
      tokens.push({ kind: 'punct', value: '...', location: at });
      index += 3;
      continue;
    }
    if ('!$():=@[]{}|&'.includes(char)) {
      tokens.push({ kind: 'punct', value: char, location: at });
      index += 1;
      continue;
    }
    if (/[_A-Za-z]/.test(char)) {
      const match = /^[_A-Za-z][_0-9A-Za-z]*/.exec(source.slice(index)) as RegExpExecArray;
      tokens.push({ kind: 'name', value: match[0], location: at });
      index += match[0].length;
      continue;
    }
    if (/[-0-9]/.test(char)) {
      const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(source.slice(index));
      if (!match) throw new GraphQLSyntaxError(`Parse error on "${char}"`, at);
      tokens.push({ kind: match[2] || match[3] ? 'float' : 'int', value: match[0], location: at });
      index += match[0].length;
      continue;
    }
    if (source.startsWith('"""', index)) {
      const end = source.indexOf('"""', index + 3);
      if (end === -1) throw new GraphQLSyntaxError('Unterminated string', at);
      const raw = source.slice(index + 3, end);
      tokens.push({ kind: 'string', value: blockString(raw), location: at });
      for (const ch of source.slice(index, end + 3)) {
        if (ch === '\n') line += 1;
      }
      const lastNewline = source.lastIndexOf('\n', end + 3);
      if (lastNewline >= index) lineStart = lastNewline + 1;
      index = end + 3;
      continue;
    }
    if (char === '"') {
      let value = '';
      index += 1;
      while (index < source.length && source[index] !== '"') {
        if (source[index] === '\n') throw new GraphQLSyntaxError('Unterminated string', at);
        if (source[index] === '\\') {
          const next = source[index + 1];
          const escapes: Record<string, string> = {
            n: '\n',
            t: '\t',
            r: '\r',
            b: '\b',
            f: '\f',
            '"': '"',
            '\\': '\\',
            '/': '/',
          };
          if (next === 'u') {
            value += String.fromCharCode(Number.parseInt(source.slice(index + 2, index + 6), 16));
            index += 6;
            continue;
          }
          value += escapes[next ?? ''] ?? next ?? '';
          index += 2;
          continue;
        }
        value += source[index];
        index += 1;
      }
      if (index >= source.length) throw new GraphQLSyntaxError('Unterminated string', at);
      index += 1;
      tokens.push({ kind: 'string', value, location: at });
      continue;
    }
    throw new GraphQLSyntaxError(`Parse error on "${char}"`, at);
  }
  tokens.push({ kind: 'eof', value: '', location: location() });
  return tokens;
}

function blockString(raw: string): string {
  const lines = raw.replace(/\\"""/g, '"""').split(/\r\n|\n|\r/);
  let indent = Infinity;
  for (const line of lines.slice(1)) {
    const leading = line.length - line.trimStart().length;
    if (line.trim() !== '' && leading < indent) indent = leading;
  }
  const out = lines.map((line, index) => (index === 0 || indent === Infinity ? line : line.slice(indent)));
  while (out.length > 0 && (out[0] as string).trim() === '') out.shift();
  while (out.length > 0 && (out[out.length - 1] as string).trim() === '') out.pop();
  return out.join('\n');
}

export function parseDocument(source: string): DocumentNode {
  const tokens = tokenize(source);
  let position = 0;
  const peek = (): Token => tokens[position] as Token;
  const next = (): Token => tokens[position++] as Token;
  const fail = (token: Token): never => {
    throw new GraphQLSyntaxError(
      token.kind === 'eof'
        ? 'Unexpected end of document'
        : `Parse error on "${token.value}" (${token.kind.toUpperCase()})`,
      token.location,
    );
  };
  const expect = (value: string): Token => {
    const token = next();
    if (token.kind !== 'punct' || token.value !== value) fail(token);
    return token;
  };
  const isPunct = (value: string): boolean => peek().kind === 'punct' && peek().value === value;
  const name = (): string => {
    const token = next();
    if (token.kind !== 'name') fail(token);
    return token.value;
  };

  const value = (constant: boolean): Value => {
    const token = peek();
    if (token.kind === 'punct' && token.value === '$' && !constant) {
      next();
      return { kind: 'variable', name: name() };
    }
    if (token.kind === 'int') return next() && { kind: 'int', value: Number(token.value) };
    if (token.kind === 'float') return next() && { kind: 'float', value: Number(token.value) };
    if (token.kind === 'string') return next() && { kind: 'string', value: token.value };
    if (token.kind === 'name') {
      next();
      if (token.value === 'true' || token.value === 'false')
        return { kind: 'boolean', value: token.value === 'true' };
      if (token.value === 'null') return { kind: 'null' };
      return { kind: 'enum', value: token.value };
    }
    if (isPunct('[')) {
      next();
      const values: Value[] = [];
      while (!isPunct(']')) values.push(value(constant));
      next();
      return { kind: 'list', values };
    }
    if (isPunct('{')) {
      next();
      const fields: Record<string, Value> = {};
      while (!isPunct('}')) {
        const key = name();
        expect(':');
        fields[key] = value(constant);
      }
      next();
      return { kind: 'object', fields };
    }
    return fail(token);
  };

  const typeReference = (): string => {
    let type: string;
    if (isPunct('[')) {
      next();
      type = `[${typeReference()}]`;
      expect(']');
    } else {
      type = name();
    }
    if (isPunct('!')) {
      next();
      type += '!';
    }
    return type;
  };

  const rejectDirectives = (): void => {
    if (isPunct('@'))
      throw new GraphQLSyntaxError('Directives are not supported by the emulator', peek().location);
  };

  const selectionSet = (): SelectionNode[] => {
    expect('{');
    const selections: SelectionNode[] = [];
    while (!isPunct('}')) {
      const start = peek();
      if (isPunct('...')) {
        next();
        if (peek().kind === 'name' && peek().value !== 'on') {
          selections.push({ kind: 'spread', name: name(), location: start.location });
          rejectDirectives();
          continue;
        }
        let typeCondition: string | undefined;
        if (peek().kind === 'name' && peek().value === 'on') {
          next();
          typeCondition = name();
        }
        rejectDirectives();
        selections.push({
          kind: 'inline',
          typeCondition,
          selections: selectionSet(),
          location: start.location,
        });
        continue;
      }
      let fieldName = name();
      let alias: string | undefined;
      if (isPunct(':')) {
        next();
        alias = fieldName;
        fieldName = name();
      }
      const args: Record<string, Value> = {};
      if (isPunct('(')) {
        next();
        while (!isPunct(')')) {
          const argument = name();
          expect(':');
          args[argument] = value(false);
        }
        next();
      }
      rejectDirectives();
      const selections2 = isPunct('{') ? selectionSet() : undefined;
      selections.push({
        kind: 'field',
        alias,
        name: fieldName,
        args,
        selections: selections2,
        location: start.location,
      });
    }
    next();
    if (selections.length === 0) fail(tokens[position - 1] as Token);
    return selections;
  };

  const operations: OperationNode[] = [];
  const fragments = new Map<string, { typeCondition: string; selections: SelectionNode[] }>();
  while (peek().kind !== 'eof') {
    const start = peek();
    if (isPunct('{')) {
      operations.push({
        type: 'query',
        name: undefined,
        variables: [],
        selections: selectionSet(),
        location: start.location,
      });
      continue;
    }
    const keyword = name();
    if (keyword === 'fragment') {
      const fragmentName = name();
      if (name() !== 'on') fail(tokens[position - 1] as Token);
      const typeCondition = name();
      rejectDirectives();
      fragments.set(fragmentName, { typeCondition, selections: selectionSet() });
      continue;
    }
    if (keyword !== 'query' && keyword !== 'mutation' && keyword !== 'subscription') fail(start);
    const operationName = peek().kind === 'name' ? name() : undefined;
    const variables: VariableDefinition[] = [];
    if (isPunct('(')) {
      next();
      while (!isPunct(')')) {
        expect('$');
        const variableName = name();
        expect(':');
        const type = typeReference();
        let defaultValue: Value | undefined;
        if (isPunct('=')) {
          next();
          defaultValue = value(true);
        }
        variables.push({ name: variableName, type, defaultValue });
      }
      next();
    }
    rejectDirectives();
    operations.push({
      type: keyword as OperationNode['type'],
      name: operationName,
      variables,
      selections: selectionSet(),
      location: start.location,
    });
  }
  if (operations.length === 0) throw new GraphQLSyntaxError('No operation in document', peek().location);
  return { operations, fragments };
}
