/** The release page's tables: the plan with the reason of every item, the SQL orders, the deployments. */
import type { ComponentChildren } from 'preact';
import type { Deployment, PlanEntry, Release, SqlOrder } from '../api/api-types.js';
import { useApp } from '../app-context.js';
import { translateOr, useI18n } from '../i18n/language.js';
import type { MessageKey } from '../i18n/messages.js';
import { ColumnHeads } from './column-heads.js';

function Section({ id, title, children }: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section class={id} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
    </section>
  );
}

/** The prefixes of a section's messages: `<prefix>.title`, `<prefix>.none` and one key per column. */
type SectionMessages<K = MessageKey> = K extends `${infer P}.none`
  ? `${P}.title` extends MessageKey
    ? P
    : never
  : never;
/** The message keys under `prefix`, without it (`sql.id` → `id`). */
type KeysUnder<P extends string, K = MessageKey> = K extends `${P}.${infer Name}` ? Name : never;

/**
 * A section with a table of `children` rows under `columns`, or the line `<messages>.none` when there are no
 * rows; its title and column heads are the messages under `messages`.
 */
function RowsSection<P extends SectionMessages>({
  id,
  messages,
  columns,
  empty,
  children,
}: {
  id: string;
  messages: P;
  columns: KeysUnder<P>[];
  empty: boolean;
  children: ComponentChildren;
}) {
  const { t } = useI18n();
  const text = (name: string) => t(`${messages}.${name}` as MessageKey);
  return (
    <Section id={id} title={text('title')}>
      {empty ? (
        <p class="muted">{text('none')}</p>
      ) : (
        <table>
          <ColumnHeads labels={columns.map(text)} />
          <tbody>{children}</tbody>
        </table>
      )}
    </Section>
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
        <ColumnHeads labels={[t('plan.item'), t('plan.decision'), t('plan.reason')]} />
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
  const { settings } = useApp();
  return (
    <RowsSection
      id="sql-orders"
      messages="sql"
      columns={['id', 'workOrder', 'status', 'confirmedBy', 'error']}
      empty={orders.length === 0}
    >
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
    </RowsSection>
  );
}

export function DeploymentsSection({ deployments }: { deployments: Deployment[] }) {
  return (
    <RowsSection
      id="deployments"
      messages="deploy"
      columns={['service', 'version', 'target', 'attempt', 'task', 'status', 'message']}
      empty={deployments.length === 0}
    >
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
    </RowsSection>
  );
}
