import { parse as parseYaml } from 'yaml';
import type { Severity } from './finding.js';
import { CodedError } from './input-error.js';
import { policyRules } from './policy-rules.js';

export type RuleSetting = Severity | 'off';

/** Switches and facts the checker cannot infer from its inputs. */
export interface PolicyConfig {
  /** Per-rule override: `off` disables a rule, a severity replaces the rule's own. Absent = rule default. */
  rules: Record<string, RuleSetting>;
  /** Name of a history table; placeholders `{table}`, `{platform}`, `{major}`. */
  historyTablePattern: string;
  /** Tables distributed across nodes (Citus), table name → distribution column. */
  distributedTables: Record<string, string>;
  /**
   * Names of scratch tables (regular expressions, matched case-insensitively against the bare table
   * name): dropping one is allowed by DF-D003, since it holds no data anyone keeps.
   */
  temporaryTablePatterns: string[];
}

export const defaultPolicyConfig: PolicyConfig = {
  rules: {},
  historyTablePattern: '{table}_hst_{platform}_{major}',
  distributedTables: {},
  temporaryTablePatterns: ['^tmp_'],
};

const configKeys = ['rules', 'historyTablePattern', 'distributedTables', 'temporaryTablePatterns'];

export class PolicyConfigError extends CodedError {
  readonly code = 'POLICY_CONFIG_INVALID';
}

/**
 * Merges a partial configuration over the defaults, refusing what would silently disable a check:
 * unknown rule ids, unknown settings, a history pattern without `{table}`.
 */
export function resolvePolicyConfig(config: unknown): PolicyConfig {
  if (config === undefined || config === null)
    return {
      ...defaultPolicyConfig,
      rules: {},
      temporaryTablePatterns: [...defaultPolicyConfig.temporaryTablePatterns],
    };
  if (typeof config !== 'object' || Array.isArray(config)) {
    throw new PolicyConfigError(
      `policy configuration must be an object with ${configKeys.map((k) => `\`${k}\``).join(', ')}`,
    );
  }
  const input = config as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!configKeys.includes(key)) {
      throw new PolicyConfigError(
        `unknown policy configuration key "${key}"; expected ${configKeys.join(', ')}`,
      );
    }
  }
  const rules: Record<string, RuleSetting> = {};
  if (input.rules !== undefined) {
    if (typeof input.rules !== 'object' || input.rules === null || Array.isArray(input.rules)) {
      throw new PolicyConfigError('`rules` must map rule ids to error, warning or off');
    }
    for (const [id, setting] of Object.entries(input.rules)) {
      if (!policyRules.some((rule) => rule.id === id)) {
        throw new PolicyConfigError(
          `unknown rule "${id}" in rules; known rules: ${policyRules.map((r) => r.id).join(', ')}`,
        );
      }
      if (setting !== 'error' && setting !== 'warning' && setting !== 'off') {
        throw new PolicyConfigError(
          `rule ${id} is set to ${JSON.stringify(setting)}; use error, warning or off`,
        );
      }
      rules[id] = setting;
    }
  }
  let historyTablePattern = defaultPolicyConfig.historyTablePattern;
  if (input.historyTablePattern !== undefined) {
    if (typeof input.historyTablePattern !== 'string' || !input.historyTablePattern.includes('{table}')) {
      throw new PolicyConfigError(
        '`historyTablePattern` must be a string containing {table}, e.g. "{table}_hst_{platform}_{major}"',
      );
    }
    historyTablePattern = input.historyTablePattern;
  }
  const distributedTables: Record<string, string> = {};
  if (input.distributedTables !== undefined) {
    if (
      typeof input.distributedTables !== 'object' ||
      input.distributedTables === null ||
      Array.isArray(input.distributedTables)
    ) {
      throw new PolicyConfigError('`distributedTables` must map table names to their distribution column');
    }
    for (const [table, column] of Object.entries(input.distributedTables)) {
      if (typeof column !== 'string' || column === '') {
        throw new PolicyConfigError(`distributedTables.${table} must be the distribution column name`);
      }
      distributedTables[table.toLowerCase()] = column;
    }
  }
  const temporaryTablePatterns = readTemporaryTablePatterns(input.temporaryTablePatterns);
  return { rules, historyTablePattern, distributedTables, temporaryTablePatterns };
}

/** The scratch-table patterns, each a valid regular expression (a broken one would silently match nothing). */
function readTemporaryTablePatterns(value: unknown): string[] {
  if (value === undefined) return [...defaultPolicyConfig.temporaryTablePatterns];
  if (!Array.isArray(value) || value.some((p) => typeof p !== 'string' || p === '')) {
    throw new PolicyConfigError(
      '`temporaryTablePatterns` must be a list of regular expressions over table names, e.g. ["^tmp_"]',
    );
  }
  for (const pattern of value as string[]) {
    try {
      new RegExp(pattern, 'i');
    } catch (error) {
      throw new PolicyConfigError(
        `temporaryTablePatterns: ${JSON.stringify(pattern)} is not a valid regular expression (${(error as Error).message})`,
      );
    }
  }
  return [...(value as string[])];
}

/** Whether `table` (optionally schema-qualified) is a scratch table under `config.temporaryTablePatterns`. */
export function isTemporaryTable(
  table: string,
  config: Pick<PolicyConfig, 'temporaryTablePatterns'>,
): boolean {
  const bare =
    table
      .split('.')
      .at(-1)
      ?.replace(/^[`"]|[`"]$/g, '') ?? table;
  return config.temporaryTablePatterns.some((pattern) => new RegExp(pattern, 'i').test(bare));
}

/** Reads a policy configuration file's text (YAML or JSON) and validates it like {@link resolvePolicyConfig}. */
export function parsePolicyConfig(text: string): PolicyConfig {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new PolicyConfigError(
      `policy configuration is not valid YAML/JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return resolvePolicyConfig(value ?? {});
}
