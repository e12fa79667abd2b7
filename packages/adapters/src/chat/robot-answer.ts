/**
 * The robots answer 200 with an error code in the body when they refuse a message: such an answer is an
 * UpstreamError like any refusal, retried only when the code means "too fast".
 */

import type { UpstreamName } from '../http/upstream-error.js';
import { UpstreamError } from '../http/upstream-error.js';
import type { RobotEndpoint } from './robot-endpoint.js';

export interface RobotRefusal {
  upstream: UpstreamName;
  /** The robot's name for a person (DingTalk, Feishu, WeCom). */
  name: string;
  code: number;
  message: string;
  /** Codes that mean "sending too fast": retried later. */
  rateLimited: readonly number[];
  /** What to check, for codes that mean a setting is wrong. */
  hints: Readonly<Record<number, string>>;
}

export function robotRefusal(r: RobotRefusal): UpstreamError {
  const limited = r.rateLimited.includes(r.code);
  const hint = limited ? 'cdflow will retry later.' : (r.hints[r.code] ?? 'Check the robot in the chat app.');
  return new UpstreamError({
    upstream: r.upstream,
    code: limited ? 'RATE_LIMITED' : 'VALIDATION',
    status: 200,
    body: { code: r.code, message: r.message },
    message: `${r.name} refused the message: ${r.message} (code ${r.code}). ${hint}`,
  });
}

/** A number field of an answer body, when present. */
export function numberField(body: unknown, ...names: string[]): number | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  for (const name of names) {
    const value = (body as Record<string, unknown>)[name];
    if (typeof value === 'number') return value;
  }
  return undefined;
}

export function stringField(body: unknown, ...names: string[]): string {
  if (body === null || typeof body !== 'object') return '';
  for (const name of names) {
    const value = (body as Record<string, unknown>)[name];
    if (typeof value === 'string') return value;
  }
  return '';
}

/** How a robot words its answer: the body fields of its code and message (default `errcode`, `errmsg`) and its codes. */
export interface RobotAnswer extends Pick<RobotRefusal, 'name' | 'rateLimited' | 'hints'> {
  codeFields?: readonly string[];
  messageFields?: readonly string[];
}

/** POST a message to the robot; an answer whose code is not 0 is thrown as the robot's refusal. */
export async function sendToRobot(
  endpoint: RobotEndpoint,
  request: { searchParams: Record<string, string>; json: unknown },
  answer: RobotAnswer,
): Promise<void> {
  const { codeFields = ['errcode'], messageFields = ['errmsg'], ...refusal } = answer;
  const res = await endpoint.http.request<unknown>({ method: 'POST', path: endpoint.path, ...request });
  const code = numberField(res.body, ...codeFields);
  if (code !== undefined && code !== 0) {
    throw robotRefusal({
      ...refusal,
      upstream: endpoint.upstream,
      code,
      message: stringField(res.body, ...messageFields),
    });
  }
}
