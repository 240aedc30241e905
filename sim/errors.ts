/**
 * An error in the user's input (a config, a trace, a flag, a mapping). The CLI prints its message as one line
 * and exits non-zero, without a stack trace. Messages name the file, the field, the value and what was expected.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Formats a value for an error message: short, JSON-like, never multi-line. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * A violated invariant inside the simulator (a bug, not bad input): conservation, bit-exactness, a component
 * receiving data it has no room for. Runs stop on it rather than report wrong numbers.
 */
export class SimulationError extends Error {
  override readonly name = 'SimulationError';
}
