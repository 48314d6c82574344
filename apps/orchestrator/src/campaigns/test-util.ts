/** For the spec tests: the message a spec is refused with (failing the test if it is accepted, or refused otherwise than by a SpecError). */
import { expect } from 'vitest';
import { loadSpecText } from './spec.js';
import { SpecError } from './validation.js';

export function specError(text: string): string {
  try {
    loadSpecText(text);
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return (error as Error).message;
  }
  throw new Error('expected a SpecError');
}
