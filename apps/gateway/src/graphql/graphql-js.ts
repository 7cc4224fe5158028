/**
 * graphql-js, the copy Nest, Apollo and graphql-ws use. The package ships a CommonJS build
 * (`main`) and an ESM one (`module`); Node loads the CommonJS one for everybody, but tools
 * that prefer `module` (Vitest) would load a second copy for our files, and schema objects
 * from one copy are refused by the other. Importing the file by name keeps one copy.
 */
export * from 'graphql/index.js';
