/**
 * POST /cicdflow/jira/ — Jira's webhook. The raw body is kept to verify `X-Hub-Signature` (HMAC over
 * the exact bytes) or the `?secret=` of older Jira; the delivery is persisted and answered 202 at once,
 * the runtime does the work after the answer.
 */
import { ApiError, unauthorized } from '../api-error.js';
import { parseJiraDelivery } from '../jira-delivery.js';
import type { CdflowApp, RouteContext } from '../route-context.js';
import { described, errorResponse, jiraWebhookBody, webhookAnswer, webhookQuery } from '../schemas.js';
import { tokenMatches } from '../token-auth.js';
import { verifyWebhookSignature } from '../webhook-signature.js';

export async function jiraWebhookRoutes(app: CdflowApp, { runtime, config }: RouteContext): Promise<void> {
  // This scope parses nothing: the handler needs the exact bytes Jira signed, whatever the content type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: config.webhookBodyLimitBytes },
    (_req, body, done) => done(null, body),
  );

  app.post(
    '/cicdflow/jira/',
    {
      bodyLimit: config.webhookBodyLimitBytes,
      // The handler checks the signature over the raw bytes, then parses them: the body and query schemas
      // are for the OpenAPI document.
      validatorCompiler: () => (value) => ({ value }),
      schema: {
        summary: 'Jira webhook (issue created/updated)',
        description:
          'Authenticated by X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body> or ?secret=<shared secret>. ' +
          'Answers 202 once the delivery is stored; duplicates are answered 202 with duplicate=true.',
        tags: ['jira'],
        querystring: webhookQuery,
        body: jiraWebhookBody,
        response: {
          202: described(webhookAnswer, 'Stored (duplicate: true when this delivery was stored before)'),
          400: errorResponse('Empty, not JSON (invalid_json) or not a JSON object (invalid_request)'),
          401: errorResponse('No signature or secret, or one that does not match'),
          413: errorResponse('The body is larger than the webhook limit'),
        },
      },
    },
    async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const signature = request.headers['x-hub-signature'];
      const querySecret = (request.query as Record<string, unknown> | undefined)?.secret;
      const signed =
        typeof signature === 'string' && verifyWebhookSignature(raw, signature, config.webhookSecret);
      const secretOk = typeof querySecret === 'string' && tokenMatches(querySecret, config.webhookSecret);
      if (!signed && !secretOk) {
        throw unauthorized(
          signature !== undefined || querySecret !== undefined
            ? 'webhook signature or secret does not match: check the secret configured in Jira'
            : 'unauthenticated webhook: Jira must send X-Hub-Signature: sha256=<hmac of the body> or ?secret=<secret>',
        );
      }
      if (raw.length === 0)
        throw new ApiError(400, 'invalid_json', 'the body is empty: expected a Jira webhook JSON payload');
      let payload: unknown;
      try {
        payload = JSON.parse(raw.toString('utf8'));
      } catch (error) {
        throw new ApiError(400, 'invalid_json', `the body is not valid JSON: ${(error as Error).message}`);
      }
      if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
        throw new ApiError(400, 'invalid_request', 'expected a Jira webhook JSON object');
      }
      const delivery = parseJiraDelivery(payload as Record<string, unknown>, raw);
      const { duplicate } = await runtime.acceptJiraDelivery(delivery, raw.length);
      return reply.code(202).send({ accepted: true, duplicate });
    },
  );
}
