/** Names of history tables: `{table}_hst_{platform}_{major}` by default (docs/policy.md, DF-D007). */
export class HistoryTableNaming {
  private readonly matcher: RegExp;

  constructor(readonly pattern: string) {
    // The pattern is a template over identifiers, so a regex over the name (never over SQL) is enough.
    const escaped = pattern.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    const source = escaped
      .replace('{table}', '(?<table>[A-Za-z0-9_]+?)')
      .replace('{platform}', '(?<platform>\\d+)')
      .replace('{major}', '(?<major>\\d+)');
    this.matcher = new RegExp(`^${source}$`);
  }

  /** History table of `table` for a registry version `x.y`. */
  nameFor(table: string, registry: string): string {
    const [platform = '', major = ''] = registry.split('.');
    return this.pattern.replace('{table}', table).replace('{platform}', platform).replace('{major}', major);
  }

  /** The operational table a history table belongs to, or null when `name` is not a history table. */
  baseOf(name: string): string | null {
    return this.matcher.exec(name)?.groups?.table ?? null;
  }

  isHistoryTable(name: string): boolean {
    return this.baseOf(name) !== null;
  }
}
