import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type ASTVisitor,
  type FieldNode,
  type GraphQLFieldMap,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from './graphql-js';
import { INTROSPECTION_DISABLED, QUERY_TOO_COMPLEX, QUERY_TOO_DEEP } from './graphql-errors';

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
  introspection: boolean;
}

/** A list without a `first` argument is costed as this many items. */
export const LIST_COST_FACTOR = 10;
/** A `first` given as a variable is costed at the most it may be. */
export const MAX_PAGE = 1000;

const isIntrospection = (field: FieldNode) => field.name.value.startsWith('__');

/**
 * Every field below the operation, fragments followed; `visit(field, parentType, depth)`
 * decides whether to go into the field's selections by returning its children's context.
 * Introspection subtrees (`__schema`, `__type`) are not counted: the introspection switch
 * governs them.
 */
function walk<C>(
  context: ValidationContext,
  selectionSet: SelectionSetNode,
  parent: GraphQLNamedType | undefined,
  state: C,
  visit: (field: FieldNode, type: GraphQLOutputType | undefined, state: C) => C | undefined,
  seen: Set<string> = new Set(),
): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (isIntrospection(selection)) continue;
      const fields: GraphQLFieldMap<unknown, unknown> | undefined =
        parent && (isObjectType(parent) || isInterfaceType(parent))
          ? parent.getFields()
          : undefined;
      const type = fields?.[selection.name.value]?.type;
      const next = visit(selection, type, state);
      if (next !== undefined && selection.selectionSet)
        walk(
          context,
          selection.selectionSet,
          type ? getNamedType(type) : undefined,
          next,
          visit,
          seen,
        );
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const named = selection.typeCondition
        ? context.getSchema().getType(selection.typeCondition.name.value)
        : parent;
      walk(context, selection.selectionSet, named ?? undefined, state, visit, seen);
    } else {
      const name = selection.name.value;
      // A fragment spread twice on one path would be a cycle, which validation refuses anyway.
      if (seen.has(name)) continue;
      const fragment = context.getFragment(name);
      if (!fragment) continue;
      const named = context.getSchema().getType(fragment.typeCondition.name.value);
      walk(
        context,
        fragment.selectionSet,
        named ?? undefined,
        state,
        visit,
        new Set([...seen, name]),
      );
    }
  }
}

function rootType(schema: GraphQLSchema, operation: OperationDefinitionNode) {
  return schema.getRootType(operation.operation) ?? undefined;
}

function operationRule(
  check: (
    context: ValidationContext,
    operation: OperationDefinitionNode,
  ) => GraphQLError | undefined,
): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const error = check(context, operation);
      if (error) context.reportError(error);
    },
  });
}

/** Refuses operations nested deeper than `max` fields (QUERY_TOO_DEEP). */
export function depthLimitRule(max: number): ValidationRule {
  return operationRule((context, operation) => {
    let deepest = 0;
    walk<number>(
      context,
      operation.selectionSet,
      rootType(context.getSchema(), operation),
      1,
      (_field, _type, depth) => {
        deepest = Math.max(deepest, depth);
        return depth > max ? undefined : depth + 1;
      },
    );
    if (deepest <= max) return undefined;
    return new GraphQLError(
      `the operation is nested deeper than ${max} fields (graphql.max_depth)`,
      { nodes: [operation], extensions: { code: QUERY_TOO_DEEP, maxDepth: max } },
    );
  });
}

/**
 * The cost of an operation: one per field, times how many of it there can be. A field with a
 * `first` argument multiplies what is under it by that number (a variable: by MAX_PAGE); a
 * list without one by LIST_COST_FACTOR, except the `edges` right under a counted page.
 */
export function operationCost(
  context: ValidationContext,
  operation: OperationDefinitionNode,
): number {
  let cost = 0;
  interface State {
    multiplier: number;
    paged: boolean;
  }
  walk<State>(
    context,
    operation.selectionSet,
    rootType(context.getSchema(), operation),
    { multiplier: 1, paged: false },
    (field, type, state) => {
      cost += state.multiplier;
      const first = field.arguments?.find((a) => a.name.value === 'first');
      if (first) {
        const value =
          first.value.kind === Kind.INT ? Math.max(0, Number(first.value.value)) : MAX_PAGE;
        return { multiplier: state.multiplier * Math.max(1, value), paged: true };
      }
      if (type && isListType(getNullableType(type)) && !state.paged)
        return { multiplier: state.multiplier * LIST_COST_FACTOR, paged: false };
      return { multiplier: state.multiplier, paged: false };
    },
  );
  return cost;
}

/** Refuses operations that cost more than `max` (QUERY_TOO_COMPLEX). */
export function costLimitRule(max: number): ValidationRule {
  return operationRule((context, operation) => {
    const cost = operationCost(context, operation);
    if (cost <= max) return undefined;
    return new GraphQLError(
      `the operation costs ${cost}, more than ${max} (graphql.max_cost); ask for fewer fields or smaller pages`,
      { nodes: [operation], extensions: { code: QUERY_TOO_COMPLEX, cost, maxCost: max } },
    );
  });
}

/** Refuses `__schema` and `__type` (INTROSPECTION_DISABLED); `__typename` stays allowed. */
export const noIntrospectionRule: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '__schema' || node.name.value === '__type')
      context.reportError(
        new GraphQLError(
          'introspection is disabled in production mode; set graphql.introspection to allow it',
          { nodes: [node], extensions: { code: INTROSPECTION_DISABLED } },
        ),
      );
  },
});

/** The rules the HTTP and the WebSocket transports both apply, besides GraphQL's own. */
export function limitRules(limits: QueryLimits): ValidationRule[] {
  return [
    depthLimitRule(limits.maxDepth),
    costLimitRule(limits.maxCost),
    ...(limits.introspection ? [] : [noIntrospectionRule]),
  ];
}
