/**
 * The first value of an object's number fields that take fractions: a non-integer, so V8 keeps
 * the field as a double updated in place. A field created as 0 (a small integer) and later given
 * fractions became a tagged field, and every store of a fraction allocated a heap number: most
 * of the aggregator's garbage, measured. Objects are created with it, then given their real
 * start values.
 */
export const DOUBLE_FIELD = 0.5;
