/** Sections of the CDFLOW_CONFIG file that are only on/off switches. */
import Type from 'typebox';

const onOff = Type.Optional(Type.Boolean());

/** An object of optional switches, one per name in that order, refusing any other key. */
export function switches<const K extends string>(names: readonly K[]) {
  const properties = Object.fromEntries(names.map((name) => [name, onOff])) as Record<K, typeof onOff>;
  return Type.Object(properties, { additionalProperties: false });
}
