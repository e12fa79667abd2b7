/**
 * A Jira delivery as the route parsed it repeats three columns of its row (dedupe key, webhook event,
 * issue key); the dedupe key alone is 64 characters. When the three match the row, the delivery is
 * stored without them, `"$columns": 1` in their place, and reads put them back. Anything else is stored
 * as it is (wrapped as `{ "$columns": 0, "delivery": … }` should it ever carry that key itself), so
 * every stored text reads back as the value that was written.
 */

const marker = '$columns';

export interface DeliveryColumns {
  dedupeKey: string;
  webhookEvent: string;
  issueKey: string | null;
}

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields =>
  !!value && typeof value === 'object' && !Array.isArray(value);

export function encodeDelivery(delivery: unknown, columns: DeliveryColumns): string {
  if (!isObject(delivery)) return JSON.stringify(delivery ?? null);
  if (marker in delivery) return JSON.stringify({ [marker]: 0, delivery });
  const { dedupeKey, webhookEvent, issueKey, ...rest } = delivery;
  if (
    dedupeKey !== columns.dedupeKey ||
    webhookEvent !== columns.webhookEvent ||
    issueKey !== columns.issueKey ||
    !('issueKey' in delivery)
  ) {
    return JSON.stringify(delivery);
  }
  return JSON.stringify({ [marker]: 1, ...rest });
}

export function decodeDelivery(text: string, columns: DeliveryColumns): unknown {
  const stored: unknown = JSON.parse(text);
  if (!isObject(stored) || !(marker in stored)) return stored;
  if (stored[marker] === 0) return stored.delivery;
  const { [marker]: _, ...rest } = stored;
  return {
    dedupeKey: columns.dedupeKey,
    webhookEvent: columns.webhookEvent,
    issueKey: columns.issueKey,
    ...rest,
  };
}
