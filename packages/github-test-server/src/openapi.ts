import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

/**
 * GitHub's official REST description (`@octokit/openapi`), reduced to what the emulator needs.
 *
 * Parsing the 13 MB description costs ~150 ms, so the reduced form (every operation's method,
 * path and id, plus full parameter/body/response schemas for emulated operations and the
 * components they reach) is written once to `node_modules/.cache/github-test-server/` and read
 * from there afterwards. The cache key covers the package version, the description file's size
 * and mtime, the emulated operation list and the normaliser version, so it never goes stale.
 */

export type ApiFlavor = 'api.github.com' | 'ghes-3.17' | 'ghes-3.18' | 'ghes-3.19';

export type JsonSchema = Record<string, unknown>;

interface ParameterSpec {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required: boolean;
  readonly schema: JsonSchema;
}

interface OperationDetail {
  readonly parameters: readonly ParameterSpec[];
  readonly requestBody: { readonly required: boolean; readonly schema: JsonSchema } | undefined;
  /** Status code (or "default") to the JSON schema of the body; `null` when no JSON body is declared. */
  readonly responses: Readonly<Record<string, JsonSchema | null>>;
}

export interface OperationInfo {
  readonly operationId: string;
  readonly method: string;
  readonly template: string;
  readonly regex: RegExp;
  readonly paramNames: readonly string[];
  /** Characters outside `{params}`: the more literal a template, the more specific it is. */
  readonly literalLength: number;
  readonly detail: OperationDetail | undefined;
}

export interface ApiDescription {
  readonly flavor: ApiFlavor;
  /** `$id` of the schema holding every reachable component schema under `definitions`. */
  readonly definitionsId: string;
  readonly definitions: Readonly<Record<string, JsonSchema>>;
  readonly operations: readonly OperationInfo[];
  readonly byId: ReadonlyMap<string, OperationInfo>;
  readonly load: { readonly ms: number; readonly source: 'memory' | 'cache' | 'description' };
  /** Identifies this reduced description (for caches derived from it). */
  readonly cacheKey: string;
  /** Where derived artefacts may be cached on disk. */
  readonly cacheDir: string;
}

interface ReducedDescription {
  readonly key: string;
  readonly definitions: Record<string, JsonSchema>;
  readonly operations: { operationId: string; method: string; template: string; detail?: OperationDetail }[];
}

const NORMALISER_VERSION = 4;
const DROPPED_KEYWORDS = new Set([
  'description',
  'example',
  'examples',
  'externalDocs',
  'deprecated',
  'readOnly',
  'writeOnly',
  'discriminator',
  'xml',
  'title',
]);

/** Parameters whose values may contain unencoded slashes when they end the path. */
const SLASHED_PARAMS = new Set(['ref', 'path', 'branch', 'head', 'basehead', 'tree_sha']);

const loaded = new Map<string, ApiDescription>();

function definitionsIdFor(flavor: ApiFlavor): string {
  return `https://openapi.invalid/${flavor}.json`;
}

export function loadApiDescription(flavor: ApiFlavor, emulated: readonly string[]): ApiDescription {
  const memoKey = `${flavor}\0${emulated.join(',')}`;
  const memo = loaded.get(memoKey);
  if (memo) return { ...memo, load: { ms: 0, source: 'memory' } };

  const started = performance.now();
  const require = createRequire(import.meta.url);
  const packageJsonPath = require.resolve('@octokit/openapi/package.json');
  const packageDir = path.dirname(packageJsonPath);
  const descriptionPath = path.join(packageDir, 'generated', `${flavor}.json`);
  const stat = statSync(descriptionPath);
  const version = (JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { version: string }).version;
  const key = createHash('sha256')
    .update(
      JSON.stringify([NORMALISER_VERSION, version, flavor, stat.size, stat.mtimeMs, [...emulated].sort()]),
    )
    .digest('hex')
    .slice(0, 16);
  const cacheDir = path.join(packageDir, '..', '..', '.cache', 'github-test-server');
  const cachePath = path.join(cacheDir, `${flavor}-${key}.json`);

  let reduced: ReducedDescription | undefined;
  let source: 'cache' | 'description' = 'cache';
  try {
    const candidate = JSON.parse(readFileSync(cachePath, 'utf8')) as ReducedDescription;
    if (candidate.key === key) reduced = candidate;
  } catch {
    reduced = undefined;
  }
  if (!reduced) {
    source = 'description';
    const full = JSON.parse(readFileSync(descriptionPath, 'utf8')) as FullDescription;
    reduced = reduce(full, flavor, new Set(emulated), key);
    try {
      mkdirSync(cacheDir, { recursive: true });
      // Write-then-rename: parallel test workers may race to create the same file.
      const temporary = `${cachePath}.${process.pid}.${Date.now()}.tmp`;
      writeFileSync(temporary, JSON.stringify(reduced));
      renameSync(temporary, cachePath);
    } catch {
      // A read-only node_modules only costs speed.
    }
  }

  const operations = reduced.operations.map((operation) => compileOperation(operation));
  const description: ApiDescription = {
    flavor,
    definitionsId: definitionsIdFor(flavor),
    definitions: reduced.definitions,
    operations,
    byId: new Map(operations.map((operation) => [operation.operationId, operation])),
    load: { ms: performance.now() - started, source },
    cacheKey: key,
    cacheDir,
  };
  loaded.set(memoKey, description);
  return description;
}

function compileOperation(operation: ReducedDescription['operations'][number]): OperationInfo {
  const paramNames: string[] = [];
  let literalLength = 0;
  const parts = operation.template.split(/(\{[^}]+\})/);
  const lastParamIndex = parts.reduce((last, part, index) => (part.startsWith('{') ? index : last), -1);
  const pattern = parts
    .map((part, index) => {
      if (part.startsWith('{')) {
        paramNames.push(part.slice(1, -1));
        // The last parameter may hold slashes (refs, file paths, branch names); earlier ones may not.
        const name = part.slice(1, -1);
        const isTail = index === lastParamIndex && parts.slice(index + 1).every((rest) => rest === '');
        return isTail && SLASHED_PARAMS.has(name) ? '(.+)' : '([^/]+?)';
      }
      literalLength += part.length;
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return {
    operationId: operation.operationId,
    method: operation.method,
    template: operation.template,
    regex: new RegExp(`^${pattern}$`),
    paramNames,
    literalLength,
    detail: operation.detail,
  };
}

/** The most specific operation for a method and raw (still percent-encoded) path. */
export function matchOperation(
  api: ApiDescription,
  method: string,
  rawPath: string,
):
  | { operation: OperationInfo; params: Record<string, string> }
  | { operation: undefined; pathExists: boolean } {
  let best: { operation: OperationInfo; match: RegExpExecArray } | undefined;
  let pathExists = false;
  for (const operation of api.operations) {
    const match = operation.regex.exec(rawPath);
    if (!match) continue;
    pathExists = true;
    if (operation.method !== method) continue;
    if (!best || operation.literalLength > best.operation.literalLength) best = { operation, match };
  }
  if (!best) return { operation: undefined, pathExists };
  const params: Record<string, string> = {};
  best.operation.paramNames.forEach((name, index) => {
    const raw = best.match[index + 1] ?? '';
    params[name] = safeDecode(raw);
  });
  return { operation: best.operation, params };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

interface FullDescription {
  paths: Record<string, Record<string, unknown>>;
  components: {
    schemas: Record<string, unknown>;
    parameters?: Record<string, unknown>;
    responses?: Record<string, unknown>;
    requestBodies?: Record<string, unknown>;
  };
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

function reduce(
  full: FullDescription,
  flavor: ApiFlavor,
  emulated: ReadonlySet<string>,
  key: string,
): ReducedDescription {
  const refBase = `${definitionsIdFor(flavor)}#/definitions/`;
  const reached = new Set<string>();
  const pending: string[] = [];
  const normaliser = (schema: unknown): JsonSchema =>
    normaliseSchema(schema, refBase, (name) => {
      if (!reached.has(name)) {
        reached.add(name);
        pending.push(name);
      }
    });

  const resolve = <T>(value: unknown, section: keyof FullDescription['components']): T => {
    let current = value as { $ref?: string };
    for (let depth = 0; current && typeof current.$ref === 'string' && depth < 10; depth += 1) {
      const name = current.$ref.split('/').pop() ?? '';
      current = (full.components[section] as Record<string, { $ref?: string }> | undefined)?.[name] ?? {};
    }
    return current as T;
  };

  const operations: ReducedDescription['operations'] = [];
  for (const [template, item] of Object.entries(full.paths)) {
    const shared = ((item as { parameters?: unknown[] }).parameters ?? []) as unknown[];
    for (const [method, rawOperation] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method)) continue;
      const operation = rawOperation as {
        operationId: string;
        parameters?: unknown[];
        requestBody?: unknown;
        responses?: Record<string, unknown>;
      };
      const entry: ReducedDescription['operations'][number] = {
        operationId: operation.operationId,
        method: method.toUpperCase(),
        template,
      };
      if (emulated.has(operation.operationId)) {
        const parameters = [...shared, ...(operation.parameters ?? [])].map((raw) => {
          const parameter = resolve<{
            name: string;
            in: ParameterSpec['in'];
            required?: boolean;
            schema?: unknown;
          }>(raw, 'parameters');
          return {
            name: parameter.name,
            in: parameter.in,
            required: parameter.in === 'path' || parameter.required === true,
            schema: normaliser(parameter.schema ?? {}),
          };
        });
        let requestBody: OperationDetail['requestBody'];
        if (operation.requestBody) {
          const body = resolve<{ required?: boolean; content?: Record<string, { schema?: unknown }> }>(
            operation.requestBody,
            'requestBodies',
          );
          const schema = pickJson(body.content);
          if (schema !== undefined)
            requestBody = { required: body.required === true, schema: normaliser(schema) };
        }
        const responses: Record<string, JsonSchema | null> = {};
        for (const [status, rawResponse] of Object.entries(operation.responses ?? {})) {
          const response = resolve<{ content?: Record<string, { schema?: unknown }> }>(
            rawResponse,
            'responses',
          );
          const schema = pickJson(response.content);
          responses[status] = schema === undefined ? null : normaliser(schema);
        }
        entry.detail = { parameters, requestBody, responses };
      }
      operations.push(entry);
    }
  }

  const definitions: Record<string, JsonSchema> = {};
  while (pending.length > 0) {
    const name = pending.pop() as string;
    definitions[name] = normaliser(full.components.schemas[name] ?? {});
  }
  return { key, definitions, operations };
}

function pickJson(content: Record<string, { schema?: unknown }> | undefined): unknown {
  if (!content) return undefined;
  const json =
    content['application/json'] ?? Object.entries(content).find(([type]) => type.includes('json'))?.[1];
  return json?.schema;
}

/**
 * OpenAPI 3.0 schema → JSON Schema draft-07: `nullable` becomes a `null` type (or an `anyOf`
 * with `null` when there is no `type`), `$ref`s point into the shared definitions, and
 * documentation-only keywords are dropped so Ajv has less to look at, and `oneOf` is read as
 * `anyOf`.
 */
function normaliseSchema(schema: unknown, refBase: string, onRef: (name: string) => void): JsonSchema {
  if (schema === true || schema === undefined) return {};
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return {};
  const input = schema as Record<string, unknown>;
  if (typeof input.$ref === 'string') {
    const name = input.$ref.replace('#/components/schemas/', '');
    onRef(name);
    return { $ref: refBase + name.replace(/~/g, '~0').replace(/\//g, '~1') };
  }
  const output: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(input)) {
    if (DROPPED_KEYWORDS.has(keyword) || keyword.startsWith('x-') || keyword === 'nullable') continue;
    if (keyword === 'properties' && value && typeof value === 'object') {
      output.properties = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([name, property]) => [
          name,
          normaliseSchema(property, refBase, onRef),
        ]),
      );
    } else if ((keyword === 'allOf' || keyword === 'anyOf' || keyword === 'oneOf') && Array.isArray(value)) {
      // GitHub's `oneOf`s often list alternatives one body satisfies at once (basic-error vs
      // repository-rule-violation-error, both without required fields): read them as `anyOf`.
      output[keyword === 'oneOf' ? 'anyOf' : keyword] = value.map((item) =>
        normaliseSchema(item, refBase, onRef),
      );
    } else if (keyword === 'items' || keyword === 'not') {
      output[keyword] = normaliseSchema(value, refBase, onRef);
    } else if (keyword === 'additionalProperties') {
      output[keyword] = typeof value === 'boolean' ? value : normaliseSchema(value, refBase, onRef);
    } else if (keyword === 'exclusiveMinimum' || keyword === 'exclusiveMaximum') {
      // OpenAPI 3.0 booleans; draft-07 wants numbers. Approximate with the inclusive bound.
      if (typeof value === 'number') output[keyword] = value;
    } else {
      output[keyword] = value;
    }
  }
  if (input.nullable === true) {
    if (typeof output.type === 'string') {
      output.type = [output.type, 'null'];
      if (Array.isArray(output.enum) && !output.enum.includes(null)) output.enum = [...output.enum, null];
    } else if (output.type === undefined) {
      return Object.keys(output).length === 0 ? {} : { anyOf: [output, { type: 'null' }] };
    }
  }
  return output;
}
