/** The release page's tables: the plan with the reason of every item, the SQL orders, the deployments. */
import type { ComponentChildren } from 'preact';
import type { Deployment, PlanEntry, Release, SqlOrder } from '../api/api-types.js';
import { useApp } from '../app-context.js';
import { translateOr, useI18n } from '../i18n/language.js';

function Section({ id, title, children }: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section class={id} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
    </section>
  );
}

function PlanRows<T>({ entries, label }: { entries: PlanEntry<T>[]; label(item: T): string }) {
  const { t } = useI18n();
  return (
    <>
      {entries.map((entry) => (
        <tr key={label(entry.item)} class={entry.decision}>
          <td>{label(entry.item)}</td>
          <td>
            <span class={`decision ${entry.decision}`}>
              {t(entry.decision === 'run' ? 'plan.run' : 'plan.skip')}
            </span>
          </td>
          <td>{translateOr(t, `reason.${entry.reason}`, entry.reason)}</td>
        </tr>
      ))}
    </>
  );
}

export function PlanSection({ release }: { release: Release }) {
  const { t } = useI18n();
  const { plan } = release;
  const groups = [
    {
      title: t('plan.sql'),
      rows: <PlanRows entries={plan.sql} label={(i) => `${i.seq}. ${i.svnFile} (${i.sqlId})`} />,
      n: plan.sql.length,
    },
    {
      title: t('plan.apollo'),
      rows: <PlanRows entries={plan.apollo} label={(i) => `${i.appId}/${i.namespace}: ${i.key}`} />,
      n: plan.apollo.length,
    },
    {
      title: t('plan.config'),
      rows: <PlanRows entries={plan.config} label={(i) => i.name} />,
      n: plan.config.length,
    },
    {
      title: t('plan.code'),
      rows: <PlanRows entries={plan.code} label={(i) => `${i.service} @${i.svnVersion} ${i.tag}`} />,
      n: plan.code.length,
    },
  ];
  return (
    <Section id="plan" title={t('plan.title')}>
      <table>
        <thead>
          <tr>
            <th>{t('plan.item')}</th>
            <th>{t('plan.decision')}</th>
            <th>{t('plan.reason')}</th>
          </tr>
        </thead>
        {groups.map((g) => (
          <tbody key={g.title}>
            <tr class="group">
              <th colSpan={3}>
                {g.title} {g.n === 0 && <span class="muted">({t('plan.empty')})</span>}
              </th>
            </tr>
            {g.rows}
          </tbody>
        ))}
      </table>
    </Section>
  );
}

const archeryLink = (base: string, workflowId: number) => `${base.replace(/\/+$/, '')}/detail/${workflowId}/`;

export function SqlOrdersSection({ orders }: { orders: SqlOrder[] }) {
  const { t } = useI18n();
  const { settings } = useApp();
  return (
    <Section id="sql-orders" title={t('sql.title')}>
      {orders.length === 0 ? (
        <p class="muted">{t('sql.none')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t('sql.id')}</th>
              <th>{t('sql.workOrder')}</th>
              <th>{t('sql.status')}</th>
              <th>{t('sql.confirmedBy')}</th>
              <th>{t('sql.error')}</th>
            </tr>
          </thead>
          <tbody>
            {orders.map((o) => (
              <tr key={`${o.iteration}-${o.sqlId}`} data-sql={o.sqlId}>
                <td>
                  {o.seq}. {o.sqlId}
                </td>
                <td>
                  {o.workflowId === null ? (
                    '—'
                  ) : (
                    <a href={archeryLink(settings.archeryUrl, o.workflowId)} target="_blank" rel="noreferrer">
                      #{o.workflowId}
                    </a>
                  )}
                </td>
                <td>
                  <span class={`order-status ${o.status}`}>{o.status}</span>
                </td>
                <td>{o.confirmedBy ?? ''}</td>
                <td class="error-text">{o.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

export function DeploymentsSection({ deployments }: { deployments: Deployment[] }) {
  const { t } = useI18n();
  return (
    <Section id="deployments" title={t('deploy.title')}>
      {deployments.length === 0 ? (
        <p class="muted">{t('deploy.none')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t('deploy.service')}</th>
              <th>{t('deploy.version')}</th>
              <th>{t('deploy.target')}</th>
              <th>{t('deploy.attempt')}</th>
              <th>{t('deploy.task')}</th>
              <th>{t('deploy.status')}</th>
              <th>{t('deploy.message')}</th>
            </tr>
          </thead>
          <tbody>
            {deployments.flatMap((d) =>
              // One row per CMDB target; an item whose targets are unknown or none gets one row of its own.
              d.targets && d.targets.length > 0
                ? d.targets.map((target) => (
                    <tr key={`${d.iteration}-${d.service}-${target.id}`}>
                      <td>{d.service}</td>
                      <td>
                        {d.svnVersion} {d.tag}
                      </td>
                      <td>{target.name}</td>
                      <td>{target.attempt}</td>
                      <td>{target.taskId ?? '—'}</td>
                      <td>
                        <span class={`deploy-status ${target.status}`}>{target.status}</span>
                      </td>
                      <td>{target.message ?? ''}</td>
                    </tr>
                  ))
                : [
                    <tr key={`${d.iteration}-${d.service}`}>
                      <td>{d.service}</td>
                      <td>
                        {d.svnVersion} {d.tag}
                      </td>
                      <td>—</td>
                      <td>—</td>
                      <td>—</td>
                      <td>
                        <span class={`deploy-status ${d.status}`}>{d.status}</span>
                      </td>
                      <td>{d.message ?? ''}</td>
                    </tr>,
                  ],
            )}
          </tbody>
        </table>
      )}
    </Section>
  );
}
