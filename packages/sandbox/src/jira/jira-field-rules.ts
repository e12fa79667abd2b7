/** Validation of issue fields the way Jira answers it: one message per field id, in Jira's words. */
import type { JiraMessages } from './jira-messages.js';
import type { JiraSimField } from './jira-seed.js';

/** System fields the create and edit screens of the 升级 issue type hold besides the custom fields. */
const screenSystemFields = new Set(['summary', 'description', 'labels']);

export type FieldValue = string | { id: string; value: string } | string[] | null;

/**
 * Check `fields` for create (`project`/`issuetype` handled by the caller) or edit; returns the values
 * to store and Jira's per-field errors.
 */
export function checkFields(
  fields: Record<string, unknown>,
  customFields: readonly JiraSimField[],
  mode: 'create' | 'edit',
  messages: JiraMessages,
): { values: Record<string, FieldValue>; errors: Record<string, string> } {
  const values: Record<string, FieldValue> = {};
  const errors: Record<string, string> = {};
  for (const [id, raw] of Object.entries(fields)) {
    if (mode === 'create' && (id === 'project' || id === 'issuetype')) continue;
    const custom = customFields.find((f) => f.id === id);
    if (!custom && !screenSystemFields.has(id)) {
      errors[id] = messages.fieldCannotBeSet(id);
      continue;
    }
    if (id === 'labels') {
      if (!Array.isArray(raw) || raw.some((l) => typeof l !== 'string' || /\s/.test(l))) {
        errors[id] = messages.labelWithSpace;
      } else values[id] = raw as string[];
      continue;
    }
    if (!custom || custom.kind === 'text') {
      if (raw === null && id !== 'summary') {
        values[id] = null;
      } else if (typeof raw !== 'string') {
        errors[id] = messages.notAString;
      } else values[id] = raw;
      continue;
    }
    // A select list takes an option object `{"value": …}` or `{"id": …}`, never a bare string.
    if (raw === null) {
      values[id] = null;
    } else if (typeof raw !== 'object' || Array.isArray(raw)) {
      errors[id] = messages.notAnObject;
    } else {
      const given = raw as { value?: unknown; id?: unknown };
      const option =
        given.id !== undefined && given.id !== null
          ? custom.options.find((o) => o.id === String(given.id))
          : custom.options.find((o) => o.value === given.value);
      if (
        (given.id === undefined || given.id === null) &&
        (given.value === undefined || given.value === null)
      ) {
        errors[id] = messages.optionNeedsIdOrValue;
      } else if (!option) {
        errors[id] =
          given.id !== undefined && given.id !== null
            ? messages.optionIdInvalid(String(given.id))
            : messages.optionValueInvalid(String(given.value));
      } else values[id] = { id: option.id, value: option.value };
    }
  }
  if ('summary' in values || (mode === 'create' && !('summary' in errors))) {
    const summary = values.summary;
    if (typeof summary !== 'string' || summary.trim().length === 0) {
      errors.summary = messages.summaryRequired;
    } else if (summary.length > 255) {
      errors.summary = messages.summaryTooLong;
    } else if (/[\r\n]/.test(summary)) {
      errors.summary = messages.summaryNewline;
    }
  }
  return { values, errors };
}

/** The text a changelog item shows for a stored value. */
export function fieldValueString(value: FieldValue | undefined): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.join(' ');
  return value.value;
}
