/** How large an operand the read buffers replay with typed arrays (shared by both read buffer models). */
import { InputError } from '../../errors.js';

/** Largest operand address space replayed with typed arrays (4 bytes per word). */
export const MAX_ADDRESS_SPACE = 2 ** 27;

export function checkSpace(space: number, operand: string): void {
  if (space > MAX_ADDRESS_SPACE) {
    throw new InputError(operand, `operand of ${space} words is too large for the scalesim model (limit ${MAX_ADDRESS_SPACE})`);
  }
}
