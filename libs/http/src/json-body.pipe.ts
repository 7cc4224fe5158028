import { Injectable, type PipeTransform } from '@nestjs/common';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { ValidationFailed, type ErrorDetail } from '#libs/kernel';

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });

/**
 * Validates a JSON body against a JSON Schema at the edge: wrong types and unknown fields are
 * refused with every problem listed, before any command runs.
 */
@Injectable()
export class JsonBodyPipe<T> implements PipeTransform<unknown, T> {
  private compiled: ValidateFunction | undefined;

  constructor(private readonly schema: object) {}

  /** Compiled on the first request it sees: compiling every endpoint's schema took ~0.1 s of each start. */
  private get validate(): ValidateFunction {
    return (this.compiled ??= ajv.compile(this.schema));
  }

  transform(value: unknown): T {
    if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value))
      throw new ValidationFailed(
        [
          {
            field: 'body',
            message: 'expected a JSON object (send Content-Type: application/json)',
          },
        ],
        'INVALID_REQUEST_BODY',
      );
    if (!this.validate(value)) throw new ValidationFailed(describe(this.validate.errors));
    return value as T;
  }
}

function describe(errors: ErrorObject[] | null | undefined): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  for (const e of errors ?? []) {
    const path = e.instancePath.slice(1).replaceAll('/', '.');
    if (e.keyword === 'additionalProperties') {
      const name = String(e.params['additionalProperty']);
      out.push({ field: path ? `${path}.${name}` : name, message: 'is not a known field' });
    } else if (e.keyword === 'required') {
      const name = String(e.params['missingProperty']);
      out.push({ field: path ? `${path}.${name}` : name, message: 'is required' });
    } else {
      out.push({ field: path || 'body', message: e.message ?? e.keyword });
    }
  }
  return out;
}
