/**
 * One place turns every failure into a JSON answer: client errors keep their 4xx with a message that
 * names the problem, unexpected errors become a 500 without details (logged with the request id).
 */
import { errorAnswer, isCdflowError } from '@cdflow/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';
import { maxPathParamLength } from './schemas.js';

interface SchemaIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

const statusErrorCodes: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  411: 'length_required',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
};

/** TypeBox/AJV issues as `{ path, message }`, required properties named by their own path. */
export function describeSchemaIssues(
  issues: readonly SchemaIssue[],
  part: string,
): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  // Body paths are JSON pointers like core's ('/type'); other parts are prefixed ('querystring/limit').
  const prefix = part === 'body' ? '' : part;
  for (const issue of issues) {
    if (issue.keyword === 'boolean') continue;
    const base = issue.instancePath ?? '';
    if (issue.keyword === 'required') {
      const props = ([] as unknown[]).concat(
        issue.params?.requiredProperties ?? issue.params?.missingProperty ?? [],
      );
      for (const p of props) out.push({ path: `${prefix}${base}/${String(p)}`, message: 'is required' });
      continue;
    }
    if (issue.keyword === 'additionalProperties') {
      const props = ([] as unknown[]).concat(issue.params?.additionalProperties ?? []);
      for (const p of props)
        out.push({ path: `${prefix}${base}/${String(p)}`, message: 'is not an accepted field' });
      continue;
    }
    if (issue.keyword === 'enum') {
      const allowed = ([] as unknown[]).concat(issue.params?.allowedValues ?? []);
      out.push({ path: `${prefix}${base}`, message: `must be one of ${allowed.join(', ')}` });
      continue;
    }
    out.push({ path: `${prefix}${base}`, message: issue.message ?? 'is invalid' });
  }
  return out;
}

/** Answer a `CdflowError` as its code says (status, `error` string, message, details, Retry-After). */
export function sendError(reply: FastifyReply, error: unknown, requestId?: string): FastifyReply {
  const answer = errorAnswer(error, requestId);
  if (answer.status === 401) reply.header('www-authenticate', 'Bearer');
  if (answer.retryAfterSeconds !== undefined) reply.header('retry-after', String(answer.retryAfterSeconds));
  return reply.code(answer.status).send(answer.body);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (isCdflowError(error) && errorAnswer(error).status < 500) return sendError(reply, error);
    if (error.validation) {
      const part = error.validationContext ?? 'body';
      const errors = describeSchemaIssues(error.validation as SchemaIssue[], part);
      const message =
        errors.map((e) => `${e.path || `the ${part}`} ${e.message}`).join('; ') || `invalid ${part}`;
      return sendError(reply, new ApiError(400, 'invalid_request', message, { errors }));
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendError(
          reply,
          new ApiError(
            413,
            'payload_too_large',
            `request body too large: this endpoint accepts at most ${bodyLimitOf(request)} bytes`,
          ),
        );
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendError(
          reply,
          new ApiError(
            415,
            'unsupported_media_type',
            `unsupported content type ${JSON.stringify(request.headers['content-type'] ?? '')}: send application/json`,
          ),
        );
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendError(reply, new ApiError(400, 'invalid_json', 'the body is empty: send a JSON document'));
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return sendError(
          reply,
          new ApiError(400, 'invalid_json', `the body is not valid JSON: ${error.message}`),
        );
    }
    // The runtime refuses new work while shutting down: 503 with Retry-After, from its code.
    if (isCdflowError(error) && error.code === 'RUNTIME_STOPPED') return sendError(reply, error);
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own client errors (bad content length, JSON syntax errors with statusCode 400...).
      const code =
        error instanceof SyntaxError ? 'invalid_json' : (statusErrorCodes[status] ?? 'client_error');
      const message =
        error instanceof SyntaxError ? `the body is not valid JSON: ${error.message}` : error.message;
      return sendError(reply, new ApiError(status, code, message));
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, error, request.id);
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new ApiError(404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}

/**
 * Fastify's `frameworkErrors`: what the router refuses before any route runs, answered like a route's
 * 400 (Fastify's own answer has another body and, for a long parameter, status 414).
 */
export function answerFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const path = request.url.split('?')[0];
  if (error.code === 'FST_ERR_BAD_URL') {
    sendError(
      reply,
      new ApiError(400, 'invalid_request', `the path ${path} is not a valid URL (bad percent-encoding)`),
    );
    return;
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    sendError(
      reply,
      new ApiError(
        400,
        'invalid_request',
        `a path parameter is longer than ${maxPathParamLength} characters`,
        {
          errors: [{ path: 'params', message: `at most ${maxPathParamLength} characters` }],
        },
      ),
    );
    return;
  }
  request.log.error({ err: error }, 'request failed in the router');
  sendError(reply, error, request.id);
}

function bodyLimitOf(request: FastifyRequest): number | string {
  return request.routeOptions.bodyLimit ?? 'the configured number of';
}
