/** The console's form fields: a label around a text input or a select, each reporting its value as a string. */
import type { InputHTMLAttributes } from 'preact';

interface FieldProps {
  label: string;
  name: string;
  value: string;
  onValue(value: string): void;
}

interface TextFieldProps extends FieldProps {
  /** When the value is reported: as the person types (the default), or once they commit it (leave, Enter). */
  on?: 'input' | 'change';
  type?: 'search' | 'password';
  autocomplete?: string;
  required?: boolean;
  maxLength?: number;
}

export function TextField({ label, on = 'input', onValue, ...input }: TextFieldProps) {
  const report = (e: { currentTarget: HTMLInputElement }) => onValue(e.currentTarget.value);
  // Preact types an input's attributes per `type`; these props are the text-like types' common ones.
  const attributes = { ...input, ...(on === 'input' ? { onInput: report } : { onChange: report }) };
  return (
    <label>
      {label}
      <input {...(attributes as InputHTMLAttributes)} />
    </label>
  );
}

/** A select of `options` (each a value and its label), reported when the person picks one. */
export function SelectField({
  label,
  options,
  onValue,
  ...select
}: FieldProps & { options: ReadonlyArray<readonly [value: string, label: string]> }) {
  return (
    <label>
      {label}
      <select {...select} onChange={(e) => onValue(e.currentTarget.value)}>
        {options.map(([value, text]) => (
          <option value={value} key={value}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}
