import { expect } from 'vitest';

/** The error a call rejects with, asserted to be an instance of `errorClass` (a resolved call fails). */
export async function rejectionOf<E extends Error>(
  promise: Promise<unknown>,
  errorClass: abstract new (...args: never[]) => E,
): Promise<E> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(errorClass);
  return err as E;
}
