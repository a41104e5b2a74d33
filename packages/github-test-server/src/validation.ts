import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { _, Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import type { ApiDescription, JsonSchema, OperationInfo } from './openapi.ts';

/**
 * Ajv validators for the reduced GitHub description, compiled lazily per operation and kept in
 * module-level caches so every server in a test process shares them. Compiling a large schema
 * (a pull request, a repository) costs 50–300 ms, so each compiled validator is also written as
 * standalone code to the description's cache directory and evaluated from there by later
 * processes (keyed by the description key, the validator and the Ajv settings).
 */

const VALIDATOR_CACHE_VERSION = 1;
const FORMATS_MODULE = 'github-test-server:formats';
const RUNTIME_FORMATS = { ...fullFormats, 'repo.nwo': true, 'ssh-key': true, 'ssh-key fingerprint': true };
const nodeRequire = createRequire(import.meta.url);
const requireForValidators = (id: string): unknown =>
  id === FORMATS_MODULE ? RUNTIME_FORMATS : nodeRequire(id);

type StandaloneCode = (ajv: Ajv, validate: ValidateFunction) => string;
const toStandalone: StandaloneCode =
  (standaloneCode as unknown as { default?: StandaloneCode }).default ??
  (standaloneCode as unknown as StandaloneCode);

interface AjvPair {
  /** Bodies, validated as sent. */
  readonly strict: Ajv;
  /** Path and query parameters arrive as strings: coerce them to the declared types. */
  readonly coercing: Ajv;
}

const ajvByFlavor = new Map<string, AjvPair>();
const validators = new Map<string, ValidateFunction>();

function createAjv(api: ApiDescription, coerce: boolean): Ajv {
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    allowUnionTypes: true,
    validateSchema: false,
    coerceTypes: coerce,
    logger: false,
    inlineRefs: false,
    // Validators run a handful of times per test process: cheaper to compile than to optimise.
    code: { optimize: false, source: true, formats: _`require(${FORMATS_MODULE})` },
  });
  for (const [name, format] of Object.entries(RUNTIME_FORMATS))
    if (format !== false) ajv.addFormat(name, format);
  ajv.addSchema({ $id: api.definitionsId, definitions: api.definitions });
  return ajv;
}

function ajvFor(api: ApiDescription): AjvPair {
  let pair = ajvByFlavor.get(api.flavor);
  if (!pair) {
    pair = { strict: createAjv(api, false), coercing: createAjv(api, true) };
    ajvByFlavor.set(api.flavor, pair);
  }
  return pair;
}

function loadStandalone(file: string): ValidateFunction | undefined {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const module = { exports: {} as unknown };
    new Function('require', 'module', 'exports', source)(requireForValidators, module, module.exports);
    return typeof module.exports === 'function' ? (module.exports as ValidateFunction) : undefined;
  } catch {
    return undefined;
  }
}

function saveStandalone(file: string, ajv: Ajv, validate: ValidateFunction): void {
  try {
    const source = toStandalone(ajv, validate);
    mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(temporary, source);
    renameSync(temporary, file);
  } catch {
    // Only costs speed next time.
  }
}

function compiled(
  api: ApiDescription,
  key: string,
  coerce: boolean,
  build: () => JsonSchema,
): ValidateFunction {
  const cacheKey = `${api.flavor}\0${key}`;
  let validate = validators.get(cacheKey);
  if (validate) return validate;
  const digest = createHash('sha256')
    .update(JSON.stringify([VALIDATOR_CACHE_VERSION, api.cacheKey, key, coerce]))
    .digest('hex')
    .slice(0, 24);
  const file = path.join(api.cacheDir, `validators-${api.flavor}`, `${digest}.cjs`);
  validate = loadStandalone(file);
  if (!validate) {
    const pair = ajvFor(api);
    const ajv = coerce ? pair.coercing : pair.strict;
    validate = ajv.compile(build());
    saveStandalone(file, ajv, validate);
  }
  validators.set(cacheKey, validate);
  return validate;
}

function formatErrors(errors: readonly ErrorObject[] | null | undefined, root: string): string[] {
  return (errors ?? []).slice(0, 8).map((error) => {
    const where = `${root}${error.instancePath}`;
    const extra =
      error.keyword === 'additionalProperties'
        ? ` '${String((error.params as { additionalProperty?: string }).additionalProperty)}'`
        : error.keyword === 'enum'
          ? ` ${JSON.stringify((error.params as { allowedValues?: unknown }).allowedValues)}`
          : '';
    return `${where} ${error.message ?? error.keyword}${extra}`;
  });
}

export interface RequestCheck {
  readonly errors: string[];
  /** Which part failed first, to pick the status GitHub would answer with. */
  readonly part: 'path' | 'query' | 'body' | undefined;
  readonly path: Record<string, unknown>;
  readonly query: Record<string, unknown>;
}

/**
 * Validates one request. `strictExtras` also rejects query parameters and top-level body
 * properties the description does not declare: GitHub ignores them, which is how a misspelt
 * option (`mergeMethod` for `merge_method`) silently does nothing in production.
 */
export function validateRequest(
  api: ApiDescription,
  operation: OperationInfo,
  input: { path: Record<string, string>; query: Record<string, string>; body: unknown; hasBody: boolean },
  strictExtras: boolean,
): RequestCheck {
  const detail = operation.detail;
  if (!detail) return { errors: [], part: undefined, path: input.path, query: input.query };
  const errors: string[] = [];
  let part: RequestCheck['part'];

  const objectSchemaFor = (where: 'path' | 'query', closed: boolean): JsonSchema => {
    const parameters = detail.parameters.filter((parameter) => parameter.in === where);
    return {
      type: 'object',
      properties: Object.fromEntries(parameters.map((parameter) => [parameter.name, parameter.schema])),
      required: parameters.filter((parameter) => parameter.required).map((parameter) => parameter.name),
      ...(closed ? { additionalProperties: false } : {}),
    };
  };

  const path = { ...input.path };
  const validatePath = compiled(api, `${operation.operationId}\0path`, true, () =>
    objectSchemaFor('path', false),
  );
  if (!validatePath(path)) {
    errors.push(...formatErrors(validatePath.errors, 'path'));
    part ??= 'path';
  }
  const query = { ...input.query };
  const validateQuery = compiled(api, `${operation.operationId}\0query\0${strictExtras}`, true, () =>
    objectSchemaFor('query', strictExtras),
  );
  if (!validateQuery(query)) {
    errors.push(...formatErrors(validateQuery.errors, 'query'));
    part ??= 'query';
  }

  const requestBody = detail.requestBody;
  if (requestBody) {
    if (!input.hasBody) {
      if (requestBody.required) {
        errors.push('body is required');
        part ??= 'body';
      }
    } else {
      const validateBody = compiled(api, `${operation.operationId}\0body\0${strictExtras}`, false, () =>
        strictExtras ? closeTopLevel(requestBody.schema) : requestBody.schema,
      );
      if (!validateBody(input.body)) {
        errors.push(...formatErrors(validateBody.errors, 'body'));
        part ??= 'body';
      }
    }
  } else if (input.hasBody && strictExtras && input.body !== undefined && !isEmptyObject(input.body)) {
    errors.push('body is not accepted by this operation');
    part ??= 'body';
  }
  return { errors, part, path, query };
}

function isEmptyObject(value: unknown): boolean {
  return !!value && typeof value === 'object' && Object.keys(value).length === 0;
}

function closeTopLevel(schema: JsonSchema): JsonSchema {
  const type = schema.type;
  const isObject = type === 'object' || (Array.isArray(type) && type.includes('object'));
  if (isObject && schema.properties && schema.additionalProperties === undefined) {
    return { ...schema, additionalProperties: false };
  }
  return schema;
}

/** Errors of a response body against the schema declared for its status ([] when it conforms). */
export function validateResponse(
  api: ApiDescription,
  operation: OperationInfo,
  status: number,
  body: unknown,
): { declared: boolean; errors: string[] } {
  const responses = operation.detail?.responses;
  if (!responses) return { declared: true, errors: [] };
  const key = String(status) in responses ? String(status) : 'default' in responses ? 'default' : undefined;
  if (key === undefined) return { declared: false, errors: [] };
  const schema = responses[key];
  if (!schema) return { declared: true, errors: [] };
  const validate = compiled(api, `${operation.operationId}\0response\0${key}`, false, () => schema);
  return { declared: true, errors: validate(body) ? [] : formatErrors(validate.errors, 'response') };
}
