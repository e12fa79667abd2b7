/** Renders suite results as a console table and as Markdown (bench/results/latest.md). */

const cell = (value) => (value === null || value === undefined ? '' : String(value));

export function textTable(columns, rows) {
  const all = [columns, ...rows].map((r) => r.map(cell));
  const widths = columns.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? '')].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

export function markdownTable(columns, rows) {
  const esc = (c) => cell(c).replaceAll('|', '\\|');
  return [
    `| ${columns.map(esc).join(' | ')} |`,
    `| ${columns.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

export function machineLine(machine) {
  return `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}`;
}

/** A suite's main table, then the further tables it may have (`suite.tables`), each with its notes. */
const tablesOf = (suite) => [suite, ...(suite.tables ?? [])];

export function renderText(suite) {
  return tablesOf(suite)
    .flatMap((t) => [`\n== ${t.title} ==`, textTable(t.columns, t.rows), ...t.notes.map((n) => `  · ${n}`)])
    .join('\n');
}

export function renderMarkdown(run) {
  const parts = [
    '# cdflow benchmark results',
    '',
    `Run ${run.startedAt} (${run.seconds} s) on: ${machineLine(run.machine)}.`,
    '',
    'Ratios compare with baselines measured in the same run; absolute numbers are for this machine only.',
    'How to read and reproduce them: bench/README.md.',
  ];
  for (const suite of run.suites) {
    tablesOf(suite).forEach((t, i) => {
      parts.push('', `${i === 0 ? '##' : '###'} ${t.title}`, '', markdownTable(t.columns, t.rows), '');
      for (const note of t.notes) parts.push(`- ${note}`);
    });
  }
  for (const failure of run.failures) parts.push('', `## ${failure.id}: FAILED`, '', `\`${failure.error}\``);
  return `${parts.join('\n')}\n`;
}
