/** The control API's text views: every release in one line, and one release's story (jq-free). */
import Type from 'typebox';
import type { CdflowApp } from '../http/route-context.js';
import { type ControlContext, releaseOf } from './control-context.js';
import { releaseLine, releaseStory } from './release-lines.js';

export function registerReleaseControlRoutes(app: CdflowApp, { runtime }: ControlContext): void {
  app.get('/releases', async (_request, reply) => {
    const { total, items } = await runtime.listReleases({ limit: 200, offset: 0 });
    const lines = items.map(releaseLine);
    if (total > items.length) lines.push(`… and ${total - items.length} older`);
    if (total === 0) lines.push('no release yet');
    return reply.type('text/plain; charset=utf-8').send(`${lines.join('\n')}\n`);
  });

  app.get(
    '/releases/:key',
    { schema: { params: Type.Object({ key: Type.String({ minLength: 1, maxLength: 200 }) }) } },
    async (request, reply) => {
      const release = await releaseOf(runtime, request.params.key);
      const history = (await runtime.history(release.releaseId)) ?? [];
      return reply.type('text/plain; charset=utf-8').send(releaseStory(release, history));
    },
  );
}
