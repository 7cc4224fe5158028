import { SchemaRegistry } from '../schema-registry';

/** Event types the contract suite appends; every adapter is tested with the same registry. */
export function contractSchemas(): SchemaRegistry {
  const registry = new SchemaRegistry();
  registry.register('ThingHappened', 1, {
    type: 'object',
    required: ['n'],
    additionalProperties: false,
    properties: { n: { type: 'integer' }, note: { type: 'string' } },
  });
  registry.register('ThingRenamed', 1, {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    properties: { name: { type: 'string' } },
  });
  // v2 splits `name` into first/last; stored v1 events are lifted on read.
  registry.register('ThingRenamed', 2, {
    type: 'object',
    required: ['first', 'last'],
    additionalProperties: false,
    properties: { first: { type: 'string' }, last: { type: 'string' } },
  });
  registry.registerUpcaster('ThingRenamed', 1, (data) => {
    const [first = '', ...rest] = (data as { name: string }).name.split(' ');
    return { first, last: rest.join(' ') };
  });
  return registry;
}
