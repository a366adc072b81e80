import fc from 'fast-check'

/** Seed of every fuzz run: the `FUZZ_SEED` variable when set, so a failure can be repeated or the inputs varied. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_261_204)

/** Keys that change an object's prototype or shadow its methods when code copies them carelessly. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'] as const

/** Strings an attacker or a broken client might send as an id, a path or a text field. */
const HOSTILE_STRINGS = [
  '',
  ' ',
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '/etc/passwd',
  'J000001/../../etc/passwd',
  'J000001\u0000',
  'C:\\Windows\\win.ini',
  '\\\\server\\share',
  '<img src=x onerror=alert(1)>',
  `J${'9'.repeat(40)}`,
  'J-1',
  '\u202egnp.exe',
  '%00',
  '${process.exit(1)}',
  'null',
  'NaN',
  'Infinity',
  '9007199254740993',
  '2026-02-30',
  '0000-00-00',
]

/** Hostile strings, random strings, and strings of up to one million characters. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 3, max: 6 }).map((exponent) => 'x'.repeat(10 ** exponent)),
)

/** Returns an object with `key` as an own, enumerable property, even for `__proto__`. */
export function withOwnKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true })
  return target
}

/** Returns `depth` arrays (or objects) nested inside each other, as a very deep JSON document would parse. */
export function nested(depth: number, kind: 'array' | 'object'): unknown {
  let value: unknown = 'bottom'
  for (let level = 0; level < depth; level += 1) value = kind === 'array' ? [value] : { text: value }
  return value
}

/** Any JSON-like value with hostile strings, numbers and keys, a few levels deep. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie('value'), { maxLength: 4 }),
    fc
      .array(fc.tuple(fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), fc.string({ maxLength: 12 })), tie('value')), { maxLength: 4 })
      .map((entries) => entries.reduce((object: Record<string, unknown>, [key, value]) => withOwnKey(object, key, value), {})),
  ),
})).value

/**
 * Payloads for a method whose argument is an object with `fields`: any hostile value, a valid-looking object with one
 * field set to a hostile value (a known field, a prototype key or an unknown one), or a very deep nesting.
 */
export function payloadFor(fields: readonly string[]): fc.Arbitrary<unknown> {
  const key = fc.oneof(fc.constantFrom(...fields), fc.constantFrom(...PROTOTYPE_KEYS), fc.string({ maxLength: 12 }))
  return fc.oneof(
    hostileValue,
    fc.tuple(key, hostileValue).map(([name, value]) => withOwnKey({}, name, value)),
    // JSON.stringify overflows the stack of a test worker at a few thousand levels, so deeper input is sent as text.
    fc.tuple(fc.integer({ min: 100, max: 1_500 }), fc.constantFrom('array', 'object') as fc.Arbitrary<'array' | 'object'>).map(([depth, kind]) =>
      nested(depth, kind),
    ),
  )
}

/** JSON text as a client might send it: valid JSON of any shape, cut-off JSON, or text that is not JSON at all. */
export function jsonTextFor(fields: readonly string[]): fc.Arbitrary<string> {
  const valid = payloadFor(fields).map((payload) => JSON.stringify(payload) ?? 'undefined')
  return fc.oneof(
    valid,
    fc.tuple(valid, fc.nat()).map(([text, cut]) => text.slice(0, cut % (text.length + 1))),
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.constantFrom('{"__proto__": {"polluted": true}}', '{"constructor": {"prototype": {"polluted": true}}}', '['.repeat(30_000), '{"a":1,"a":2}'),
  )
}
