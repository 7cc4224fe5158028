import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { DomainError, RateLimited } from '#libs/kernel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, statusOf, type ErrorBody } from './error-body';
import { requestIdOf } from './request-context';

/** Body-parser failures carry a `type`; these are the caller's fault, not ours. */
const PARSER_ERRORS: Record<string, [number, string, string]> = {
  'entity.parse.failed': [400, 'INVALID_REQUEST_BODY', 'the request body is not valid JSON'],
  'entity.too.large': [413, 'PAYLOAD_TOO_LARGE', 'the request body is larger than the limit'],
  'encoding.unsupported': [
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    'the request body encoding is not supported',
  ],
  'charset.unsupported': [
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    'the request body charset is not supported',
  ],
  'request.aborted': [400, 'BAD_REQUEST', 'the request body was cut off'],
};

/**
 * The one place errors become responses: domain errors with their code, parser errors as
 * 4xx, unknown endpoints as 404, everything else as a logged 500 with the request id.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const http = host.switchToHttp();
    const [status, body] = sendError(
      http.getRequest<IncomingMessage>(),
      http.getResponse<ServerResponse>(),
      error,
    );
    if (status >= 500)
      this.logger.error({
        msg: 'request failed',
        requestId: body.requestId,
        err: error instanceof Error ? error.stack : String(error),
      });
  }
}

/**
 * Answers `error` as the contract's JSON body (with Retry-After for rate limits): the one
 * mapping from errors to responses, for Nest's handlers and for the data plane alike.
 */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  error: unknown,
): [number, ErrorBody] {
  const [status, body] = describeError(error, req);
  if (error instanceof RateLimited && !res.headersSent)
    res.setHeader('retry-after', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
  sendJson(res, status, body);
  return [status, body];
}

function describeError(error: unknown, req: IncomingMessage): [number, ErrorBody] {
  const requestId = requestIdOf(req);
  if (error instanceof DomainError)
    return [
      statusOf(error),
      errorBody(error.code, error.message, { details: [...error.details], requestId }),
    ];
  // Nest wraps body-parser failures in an HttpException whose cause keeps the parser's `type`.
  const raw: unknown = error instanceof HttpException ? (error.cause ?? error) : error;
  const parser =
    typeof raw === 'object' && raw !== null
      ? PARSER_ERRORS[String((raw as { type?: string }).type)]
      : undefined;
  if (parser) return [parser[0], errorBody(parser[1], parser[2], { requestId })];
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === 404)
      return [
        404,
        errorBody('NOT_FOUND', `no endpoint ${req.method ?? 'GET'} ${pathOf(req)}`, {
          requestId,
        }),
      ];
    if (status === 405)
      return [
        405,
        errorBody('METHOD_NOT_ALLOWED', `${req.method ?? 'GET'} is not allowed on ${pathOf(req)}`, {
          requestId,
        }),
      ];
    if (status < 500) return [status, errorBody('BAD_REQUEST', error.message, { requestId })];
  }
  return [
    500,
    errorBody('INTERNAL_ERROR', 'the gateway failed to handle this request', { requestId }),
  ];
}

export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}
