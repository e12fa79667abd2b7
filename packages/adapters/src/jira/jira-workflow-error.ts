/** Failures of `moveToStatus` that are about the workflow, not the HTTP call. */
import { UpstreamError } from '../http/index.js';

export type JiraWorkflowFailure =
  /** The target (or current) status is not a status of the configured workflow, or cannot be reached. */
  | 'NO_PATH'
  /** Jira does not offer the transition the walk needs from the issue's current status. */
  | 'TRANSITION_UNAVAILABLE'
  /** The issue kept changing under us (409s, concurrent moves) past the attempt limit. */
  | 'MOVE_EXHAUSTED';

export class JiraWorkflowError extends UpstreamError {
  readonly failure: JiraWorkflowFailure;
  readonly issueKey: string;

  constructor(input: { failure: JiraWorkflowFailure; issueKey: string; message: string; cause?: unknown }) {
    // `cause` is accepted for callers but not kept: an upstream error can hold request headers.
    super({
      upstream: 'jira',
      code: input.failure === 'MOVE_EXHAUSTED' ? 'CONFLICT' : 'NO_TARGET',
      message: input.message,
      retryable: input.failure === 'MOVE_EXHAUSTED',
    });
    this.failure = input.failure;
    this.issueKey = input.issueKey;
  }
}
