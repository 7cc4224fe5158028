import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaBuilderModule, GraphQLSchemaFactory } from '@nestjs/graphql';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from './graphql-js';
import { GRAPHQL_RESOLVERS } from './graphql.module';

const HEADER = `# The GraphQL schema of the Nekzus gateway (/graphql), generated from the resolvers.
# Do not edit: run "npm run nekzus -- graphql schema --write schema.gql".
`;

/** The committed form of a schema: sorted, with the header. */
export function renderSchema(schema: GraphQLSchema): string {
  return `${HEADER}\n${printSchema(lexicographicSortSchema(schema))}\n`;
}

/** The schema as the gateway builds it, from the resolver classes alone (nothing is started). */
export async function buildGraphqlSchema(): Promise<GraphQLSchema> {
  const app = await NestFactory.createApplicationContext(GraphQLSchemaBuilderModule, {
    logger: false,
  });
  try {
    return await app.get(GraphQLSchemaFactory).create(GRAPHQL_RESOLVERS);
  } finally {
    await app.close();
  }
}

export async function graphqlSchemaText(): Promise<string> {
  return renderSchema(await buildGraphqlSchema());
}
