import { MuleError } from '@mule-ts/core';
import { Module } from 'h5wasm';

/** The most useful line of an h5wasm error: the innermost reason of HDF5's error stack. */
export function hdf5ErrorReason(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  // HDF5's error stack: the innermost reason is the most useful ("file signature not found"); keep
  // the function and the reason, not the build machine's source path.
  const innermost = lines.filter((l) => l.startsWith('#')).pop();
  if (!innermost) return lines[0] ?? 'unknown error';
  return /\bin (\w+\(\): .*)$/.exec(innermost)?.[1] ?? innermost;
}

/**
 * Runs HDF5 calls with h5wasm's throwing error handler: HDF5's errors become exceptions instead of
 * diagnostics printed to stderr, and every exception that is not already a MuleError becomes
 * `failure(cause)`, so no h5wasm error reaches the user raw.
 */
export function withHdf5Errors<T>(run: () => T, failure: (cause: unknown) => MuleError): T {
  Module.activate_throwing_error_handler();
  try {
    return run();
  } catch (cause) {
    throw cause instanceof MuleError ? cause : failure(cause);
  } finally {
    Module.deactivate_throwing_error_handler();
  }
}
