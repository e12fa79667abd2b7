import { SimulatorError } from '../common/simulator-error.js';

/** An answer the simulated Jira refuses with: the status and Jira's own error body. */
export interface JiraErrorBody {
  errorMessages: string[];
  errors: Record<string, string>;
}

export class JiraSimError extends SimulatorError<'JIRA_SIM_REFUSED'> {
  constructor(
    readonly status: number,
    readonly body: JiraErrorBody,
  ) {
    super(
      'JIRA_SIM_REFUSED',
      `jira simulator refused with ${status}: ${[...body.errorMessages, ...Object.values(body.errors)].join('; ')}`,
    );
  }

  static messages(status: number, ...messages: string[]): JiraSimError {
    return new JiraSimError(status, { errorMessages: messages, errors: {} });
  }

  static fields(status: number, errors: Record<string, string>): JiraSimError {
    return new JiraSimError(status, { errorMessages: [], errors });
  }
}
