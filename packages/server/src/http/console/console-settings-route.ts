/**
 * GET /api/console/settings — what the console needs besides the releases: the site's Jira names (its
 * statuses and the transition each person event stands for), where links point, the stuck threshold,
 * which events take a reason, and which groups may send which event.
 */
import {
  type JiraMoveKey,
  type JiraTransitionKey,
  jiraTransitionOfPersonEvent,
  personEventsWithReason,
  personEventTypes,
} from '@cdflow/core';
import Type from 'typebox';
import type { PersonEventType } from '../../config/people-settings.js';
import type { ServerConfig } from '../../config/server-config.js';
import type { PeopleAuth } from '../auth/people-auth.js';
import type { CdflowApp, RouteContext } from '../route-context.js';
import { bearerOrSession, described, unauthenticated } from '../schemas.js';

/** The Jira transition a person takes for each event (core maps them the same way for webhooks). */
export const transitionOfEvent: Readonly<Record<PersonEventType, JiraMoveKey>> = jiraTransitionOfPersonEvent;

/** A transition's name: a production approval is its step's (one per step), a rejection 审批驳回. */
function transitionName(config: ServerConfig, key: JiraMoveKey): string {
  if (key === 'approve') return config.prod.approvals.map((s) => s.transition).join(' / ');
  if (key === 'reject') return config.prod.jira.rejectTransition;
  return config.jira.names.transitions[key as JiraTransitionKey] ?? key;
}

const settingsAnswer = Type.Object(
  {
    stuckAfterMinutes: Type.Number(),
    jiraUrl: Type.String({ description: 'base of issue links (/browse/KEY)' }),
    archeryUrl: Type.String({ description: 'base of work order links (/detail/ID/)' }),
    jiraStatuses: Type.Record(Type.String(), Type.String(), {
      description: "the site's status names by state",
    }),
    personEvents: Type.Array(
      Type.Object(
        {
          type: Type.String(),
          jiraTransition: Type.String(),
          takesReason: Type.Boolean(),
          allowedGroups: Type.Union([Type.Array(Type.String()), Type.Null()]),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true },
);

/** Events whose body may carry a `reason` (recorded with the failure). */
export const reasonEvents: readonly PersonEventType[] = personEventsWithReason;

export function registerConsoleSettingsRoute(
  app: CdflowApp,
  { config, people }: RouteContext & { people: PeopleAuth },
): void {
  app.get(
    '/api/console/settings',
    {
      onRequest: people.authenticate(['session', 'person-token', 'operator-token', 'intake-token']),
      schema: {
        summary: "The console's settings: Jira names, link bases, stuck threshold, event permissions",
        tags: ['console'],
        security: bearerOrSession,
        response: {
          200: described(settingsAnswer, "The console's settings"),
          401: unauthenticated,
        },
      },
    },
    async () => {
      const names = config.jira.names;
      return {
        stuckAfterMinutes: config.console.stuckAfterMinutes,
        jiraUrl: config.console.jiraUrl ?? config.jira.baseUrl,
        archeryUrl: config.console.archeryUrl ?? config.archery.baseUrl,
        jiraStatuses: names.statuses,
        personEvents: personEventTypes.map((type) => ({
          type,
          jiraTransition: transitionName(config, transitionOfEvent[type]),
          takesReason: reasonEvents.includes(type),
          allowedGroups: config.people.events[type] ?? null,
        })),
      };
    },
  );
}
