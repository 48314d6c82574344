/**
 * Each view keeps its whole state in the query string, so a copied link reopens the same view.
 * A view declares its fields once (kind + default); decode reads them leniently (an unknown or
 * malformed value falls back to the default rather than breaking the page), encode writes only
 * what differs from the default so links stay short.
 */
export type Field =
  | { kind: 'string'; default: string }
  | { kind: 'enum'; values: readonly string[]; default: string }
  | { kind: 'list'; default: readonly string[] }
  | { kind: 'int'; default: number }
  | { kind: 'bool'; default: boolean };

export type Schema = Record<string, Field>;

type ValueOf<F extends Field> = F extends { kind: 'list' }
  ? string[]
  : F extends { kind: 'int' }
    ? number
    : F extends { kind: 'bool' }
      ? boolean
      : string;
export type StateOf<S extends Schema> = { [K in keyof S]: ValueOf<S[K]> };

function decodeField(field: Field, raw: string | null): unknown {
  if (raw === null) return field.kind === 'list' ? [...field.default] : field.default;
  switch (field.kind) {
    case 'string':
      return raw;
    case 'enum':
      return field.values.includes(raw) ? raw : field.default;
    case 'list':
      return raw === '' ? [] : raw.split(',').filter((item) => item !== '');
    case 'int': {
      const value = Number(raw);
      return Number.isInteger(value) ? value : field.default;
    }
    case 'bool':
      return raw === '1' || raw === 'true';
  }
}

export function decodeState<S extends Schema>(schema: S, params: URLSearchParams): StateOf<S> {
  const state: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema)) state[key] = decodeField(field, params.get(key));
  return state as StateOf<S>;
}

function same(field: Field, value: unknown): boolean {
  if (field.kind === 'list')
    return Array.isArray(value) && value.length === field.default.length && value.every((v, i) => v === field.default[i]);
  return value === field.default;
}

/** The query string (without '?') for a state; fields equal to their default are left out. */
export function encodeState<S extends Schema>(schema: S, state: Partial<StateOf<S>>): string {
  const params = new URLSearchParams();
  for (const [key, field] of Object.entries(schema)) {
    const value = (state as Record<string, unknown>)[key];
    if (value === undefined || same(field, value)) continue;
    if (field.kind === 'list') params.set(key, (value as string[]).join(','));
    else if (field.kind === 'bool') params.set(key, value ? '1' : '0');
    else params.set(key, String(value));
  }
  return params.toString();
}
