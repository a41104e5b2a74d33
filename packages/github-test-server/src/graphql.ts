import type { FieldNode, Location, OperationNode, SelectionNode, Value } from './graphql-parser.ts';
import { GraphQLSyntaxError, parseDocument } from './graphql-parser.ts';
import type { ExecutionContext, FieldDef } from './graphql-schema.ts';
import { ENUMS, FieldError, INPUTS, INTERFACES, OBJECTS, SCALARS } from './graphql-schema.ts';

/**
 * Runs GraphQL documents against the schema slice in `graphql-schema.ts`. The whole document is
 * validated first, the way GitHub does (unknown fields, arguments, variables → errors and no
 * data); only a valid document executes, and resolver failures become per-field errors.
 */

interface GraphQLError {
  message: string;
  type?: string;
  path?: (string | number)[];
  locations?: Location[];
  extensions?: Record<string, unknown>;
}

export interface GraphQLResult {
  readonly body: { data?: Record<string, unknown> | null; errors?: GraphQLError[] };
  /** The document did not conform to the schema (a client bug, recorded as a violation). */
  readonly invalid: boolean;
  readonly operationType: 'query' | 'mutation' | 'subscription' | undefined;
  readonly rootFields: readonly string[];
}

const namedType = (type: string): string => type.replace(/[[\]!]/g, '');
const isComposite = (name: string): boolean => name in OBJECTS || name in INTERFACES;

function fieldsOf(typeName: string): Record<string, FieldDef> | undefined {
  if (typeName in OBJECTS) return OBJECTS[typeName];
  const declared = INTERFACES[typeName];
  if (!declared) return undefined;
  const first = OBJECTS[declared.possible[0] as string] ?? {};
  return Object.fromEntries(declared.fields.flatMap((name) => (first[name] ? [[name, first[name]]] : [])));
}

function fragmentApplies(condition: string | undefined, typeName: string): boolean {
  if (!condition || condition === typeName) return true;
  if (INTERFACES[condition]?.possible.includes(typeName)) return true;
  return !!INTERFACES[typeName]?.possible.includes(condition);
}

/** Coerces a literal or variable against a type reference; throws a message on mismatch. */
function coerceLiteral(type: string, value: Value | undefined, variables: Record<string, unknown>): unknown {
  if (value?.kind === 'variable') return coerceJson(type, variables[value.name], `$${value.name}`);
  const nonNull = type.endsWith('!');
  const inner = nonNull ? type.slice(0, -1) : type;
  if (value === undefined || value.kind === 'null') {
    if (nonNull) throw new Error(`Expected value to not be null`);
    return value === undefined ? undefined : null;
  }
  if (inner.startsWith('[')) {
    const items = value.kind === 'list' ? value.values : [value];
    return items.map((item) => coerceLiteral(inner.slice(1, -1), item, variables));
  }
  if (ENUMS[inner]) {
    if (value.kind !== 'enum' || !ENUMS[inner]?.includes(value.value)) {
      throw new Error(
        `Expected "${'value' in value ? String(value.value) : value.kind}" to be one of: ${ENUMS[inner]?.join(', ')}`,
      );
    }
    return value.value;
  }
  const fields = INPUTS[inner];
  if (fields) {
    if (value.kind !== 'object') throw new Error(`Expected an input object of type ${inner}`);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value.fields)) {
      if (!fields[key]) throw new Error(`Field is not defined on ${inner}: ${key}`);
    }
    for (const [key, fieldType] of Object.entries(fields)) {
      const coerced = coerceLiteral(fieldType, value.fields[key], variables);
      if (coerced !== undefined) out[key] = coerced;
    }
    return out;
  }
  return coerceScalar(
    inner,
    value.kind === 'list' || value.kind === 'object' ? undefined : 'value' in value ? value.value : null,
  );
}

function coerceScalar(type: string, raw: unknown): unknown {
  const ok =
    type === 'Int'
      ? Number.isInteger(raw)
      : type === 'Float'
        ? typeof raw === 'number'
        : type === 'Boolean'
          ? typeof raw === 'boolean'
          : type === 'ID'
            ? typeof raw === 'string' || Number.isInteger(raw)
            : typeof raw === 'string';
  if (!ok) throw new Error(`Could not coerce value ${JSON.stringify(raw)} to ${type}`);
  return type === 'ID' ? String(raw) : raw;
}

function coerceJson(type: string, raw: unknown, where: string): unknown {
  const nonNull = type.endsWith('!');
  const inner = nonNull ? type.slice(0, -1) : type;
  if (raw === undefined || raw === null) {
    if (nonNull) throw new Error(`${where}: Expected value to not be null`);
    return raw;
  }
  if (inner.startsWith('[')) {
    return (Array.isArray(raw) ? raw : [raw]).map((item, index) =>
      coerceJson(inner.slice(1, -1), item, `${where}[${index}]`),
    );
  }
  if (ENUMS[inner]) {
    if (typeof raw !== 'string' || !ENUMS[inner]?.includes(raw)) {
      throw new Error(`${where}: Expected "${String(raw)}" to be one of: ${ENUMS[inner]?.join(', ')}`);
    }
    return raw;
  }
  const fields = INPUTS[inner];
  if (fields) {
    if (typeof raw !== 'object' || Array.isArray(raw))
      throw new Error(`${where}: Expected an input object of type ${inner}`);
    const input = raw as Record<string, unknown>;
    for (const key of Object.keys(input))
      if (!fields[key]) throw new Error(`${where}: Field is not defined on ${inner}: ${key}`);
    const out: Record<string, unknown> = {};
    for (const [key, fieldType] of Object.entries(fields)) {
      const coerced = coerceJson(fieldType, input[key], `${where}.${key}`);
      if (coerced !== undefined) out[key] = coerced;
    }
    return out;
  }
  try {
    return coerceScalar(inner, raw);
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`);
  }
}

function knownType(type: string): boolean {
  const name = namedType(type);
  return SCALARS.has(name) || name in ENUMS || name in INPUTS;
}

export function executeGraphQL(
  request: { query?: unknown; variables?: unknown; operationName?: unknown },
  context: ExecutionContext,
): GraphQLResult {
  const invalid = (
    errors: GraphQLError[],
    operationType?: GraphQLResult['operationType'],
  ): GraphQLResult => ({
    body: { errors },
    invalid: true,
    operationType,
    rootFields: [],
  });
  if (typeof request.query !== 'string') {
    return invalid([{ message: 'A query attribute must be specified and must be a string.' }]);
  }
  if (
    request.variables !== undefined &&
    request.variables !== null &&
    (typeof request.variables !== 'object' || Array.isArray(request.variables))
  ) {
    return invalid([{ message: 'Variables are invalid JSON.' }]);
  }
  const variablesIn = (request.variables ?? {}) as Record<string, unknown>;
  let operation: OperationNode;
  let document: ReturnType<typeof parseDocument>;
  try {
    document = parseDocument(request.query);
    const named =
      typeof request.operationName === 'string'
        ? document.operations.find((op) => op.name === request.operationName)
        : undefined;
    if (document.operations.length > 1 && !named) {
      return invalid([
        { message: 'An operation name is required when the document holds several operations' },
      ]);
    }
    operation = named ?? (document.operations[0] as OperationNode);
  } catch (error) {
    if (error instanceof GraphQLSyntaxError)
      return invalid([{ message: error.message, locations: [error.location] }]);
    throw error;
  }
  if (operation.type === 'subscription')
    return invalid([{ message: 'Subscriptions are not supported' }], 'subscription');
  const rootType = operation.type === 'mutation' ? 'Mutation' : 'Query';

  // Validation: the whole document against the schema, before executing anything.
  const errors: GraphQLError[] = [];
  const variables: Record<string, unknown> = {};
  const declared = new Map(operation.variables.map((variable) => [variable.name, variable]));
  for (const variable of operation.variables) {
    if (!knownType(variable.type)) {
      errors.push({
        message: `${namedType(variable.type)} isn't a defined input type (on $${variable.name})`,
        extensions: { code: 'variableRequiresValidType' },
      });
      continue;
    }
    try {
      const raw =
        variablesIn[variable.name] ??
        (variable.defaultValue ? coerceLiteral(variable.type, variable.defaultValue, {}) : undefined);
      variables[variable.name] = coerceJson(
        variable.type,
        raw,
        `Variable $${variable.name} of type ${variable.type} was provided invalid value`,
      );
    } catch (error) {
      errors.push({
        message: (error as Error).message,
        extensions: { code: 'argumentLiteralsIncompatible' },
      });
    }
  }
  const usedFragments = new Set<string>();
  const validate = (typeName: string, selections: readonly SelectionNode[], path: string[]): void => {
    for (const selection of selections) {
      if (selection.kind === 'spread') {
        const fragment = document.fragments.get(selection.name);
        if (!fragment) {
          errors.push({
            message: `Fragment ${selection.name} was used, but not defined`,
            locations: [selection.location],
            path,
          });
          continue;
        }
        if (usedFragments.has(selection.name)) continue;
        usedFragments.add(selection.name);
        validate(fragment.typeCondition, fragment.selections, [...path, `... ${selection.name}`]);
        continue;
      }
      if (selection.kind === 'inline') {
        const condition = selection.typeCondition ?? typeName;
        if (!isComposite(condition)) {
          errors.push({
            message: `No such type ${condition}, so it can't be a fragment condition`,
            locations: [selection.location],
            path,
          });
        } else if (!fragmentApplies(condition, typeName)) {
          errors.push({
            message: `Fragment on ${condition} can't be spread inside ${typeName}`,
            locations: [selection.location],
            path,
          });
        } else validate(condition, selection.selections, [...path, `... on ${condition}`]);
        continue;
      }
      const fieldPath = [...path, selection.alias ?? selection.name];
      if (selection.name === '__typename') continue;
      const definition = fieldsOf(typeName)?.[selection.name];
      if (!definition) {
        errors.push({
          message: `Field '${selection.name}' doesn't exist on type '${typeName}'`,
          locations: [selection.location],
          path: fieldPath,
          extensions: { code: 'undefinedField', typeName, fieldName: selection.name },
        });
        continue;
      }
      const argumentTypes = definition.args ?? {};
      for (const [argument, value] of Object.entries(selection.args)) {
        const argumentType = argumentTypes[argument];
        if (!argumentType) {
          errors.push({
            message: `Field '${selection.name}' doesn't accept argument '${argument}'`,
            locations: [selection.location],
            path: fieldPath,
            extensions: {
              code: 'argumentNotAccepted',
              name: selection.name,
              typeName: 'Field',
              argumentName: argument,
            },
          });
          continue;
        }
        checkVariables(value, declared, errors, selection);
        try {
          coerceLiteral(argumentType, value, variables);
        } catch (error) {
          errors.push({
            message: `Argument '${argument}' on Field '${selection.name}' has an invalid value. Expected type '${argumentType}'. ${(error as Error).message}`,
            locations: [selection.location],
            path: fieldPath,
            extensions: { code: 'argumentLiteralsIncompatible' },
          });
        }
      }
      const missing = Object.entries(argumentTypes)
        .filter(([argument, type]) => type.endsWith('!') && selection.args[argument] === undefined)
        .map(([argument]) => argument);
      if (missing.length > 0) {
        errors.push({
          message: `Field '${selection.name}' is missing required arguments: ${missing.join(', ')}`,
          locations: [selection.location],
          path: fieldPath,
          extensions: { code: 'missingRequiredArguments' },
        });
      }
      const returned = namedType(definition.type);
      if (isComposite(returned)) {
        if (!selection.selections) {
          errors.push({
            message: `Field must have selections (field '${selection.name}' returns ${returned} but has no selections. Did you mean '${selection.name} { ... }'?)`,
            locations: [selection.location],
            path: fieldPath,
            extensions: { code: 'selectionMismatch' },
          });
        } else validate(returned, selection.selections, fieldPath);
      } else if (selection.selections) {
        errors.push({
          message: `Selections can't be made on scalars (field '${selection.name}' returns ${returned} but has selections)`,
          locations: [selection.location],
          path: fieldPath,
          extensions: { code: 'selectionMismatch' },
        });
      }
    }
  };
  validate(rootType, operation.selections, [operation.type]);
  const rootFields = operation.selections.flatMap((selection) =>
    selection.kind === 'field' ? [selection.name] : [],
  );
  if (errors.length > 0) return { ...invalid(errors, operation.type), rootFields };

  // Execution.
  const executionErrors: GraphQLError[] = [];
  const collect = (typeName: string, selections: readonly SelectionNode[], out: FieldNode[]): void => {
    for (const selection of selections) {
      if (selection.kind === 'field') out.push(selection);
      else if (selection.kind === 'inline') {
        const condition = selection.typeCondition;
        if (!condition || condition === typeName || INTERFACES[condition]?.possible.includes(typeName)) {
          collect(typeName, selection.selections, out);
        }
      } else {
        const fragment = document.fragments.get(selection.name);
        const condition = fragment?.typeCondition;
        if (
          fragment &&
          (condition === typeName || (condition && INTERFACES[condition]?.possible.includes(typeName)))
        ) {
          collect(typeName, fragment.selections, out);
        }
      }
    }
  };
  const complete = (
    type: string,
    value: unknown,
    selection: FieldNode,
    path: (string | number)[],
  ): unknown => {
    if (value === null || value === undefined) return null;
    const inner = type.endsWith('!') ? type.slice(0, -1) : type;
    if (inner.startsWith('[')) {
      return (value as unknown[]).map((item, index) =>
        complete(inner.slice(1, -1), item, selection, [...path, index]),
      );
    }
    if (isComposite(inner)) {
      const runtime = (value as { __typename?: string }).__typename ?? inner;
      return executeObject(runtime, value, selection.selections ?? [], path);
    }
    return value;
  };
  const executeObject = (
    typeName: string,
    value: unknown,
    selections: readonly SelectionNode[],
    path: (string | number)[],
  ): Record<string, unknown> => {
    const fields: FieldNode[] = [];
    collect(typeName, selections, fields);
    const out: Record<string, unknown> = {};
    for (const selection of fields) {
      const key = selection.alias ?? selection.name;
      if (selection.name === '__typename') {
        out[key] = typeName;
        continue;
      }
      const definition = OBJECTS[typeName]?.[selection.name];
      if (!definition) {
        out[key] = null;
        continue;
      }
      const args: Record<string, unknown> = {};
      for (const [argument, argumentType] of Object.entries(definition.args ?? {})) {
        const coerced = coerceLiteral(argumentType, selection.args[argument], variables);
        if (coerced !== undefined) args[argument] = coerced;
      }
      try {
        out[key] = complete(definition.type, definition.resolve(value as never, args, context), selection, [
          ...path,
          key,
        ]);
      } catch (error) {
        if (!(error instanceof FieldError)) throw error;
        out[key] = null;
        executionErrors.push({
          type: error.type,
          path: [...path, key],
          locations: [selection.location],
          message: error.message,
        });
      }
    }
    return out;
  };
  const data = executeObject(rootType, {}, operation.selections, []);
  return {
    body: executionErrors.length > 0 ? { data, errors: executionErrors } : { data },
    invalid: false,
    operationType: operation.type,
    rootFields,
  };
}

function checkVariables(
  value: Value,
  declared: ReadonlyMap<string, unknown>,
  errors: GraphQLError[],
  selection: FieldNode,
): void {
  if (value.kind === 'variable' && !declared.has(value.name)) {
    errors.push({
      message: `Variable $${value.name} is used by anonymous query but not declared`,
      locations: [selection.location],
      extensions: { code: 'variableNotDefined', variableName: value.name },
    });
  } else if (value.kind === 'list') {
    for (const item of value.values) checkVariables(item, declared, errors, selection);
  } else if (value.kind === 'object') {
    for (const item of Object.values(value.fields)) checkVariables(item, declared, errors, selection);
  }
}

/** Peeks at a GraphQL request body for logging and fault matching, without validating it. */
export function describeGraphQL(body: unknown): {
  operationType: 'query' | 'mutation' | undefined;
  rootFields: string[];
} {
  try {
    const request = body as { query?: unknown; operationName?: unknown };
    if (typeof request?.query !== 'string') return { operationType: undefined, rootFields: [] };
    const document = parseDocument(request.query);
    const operation =
      document.operations.find((op) => op.name === request.operationName) ?? document.operations[0];
    if (!operation || operation.type === 'subscription') return { operationType: undefined, rootFields: [] };
    return {
      operationType: operation.type,
      rootFields: operation.selections.flatMap((selection) =>
        selection.kind === 'field' ? [selection.name] : [],
      ),
    };
  } catch {
    return { operationType: undefined, rootFields: [] };
  }
}
