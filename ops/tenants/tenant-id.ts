/** What a tenant ID may be, as Mimir validates it (`tenant.ValidTenantID`). */
export const TENANT_ID_RULES = "at most 150 characters of a-z A-Z 0-9 ! - _ . * ' ( ), not '.' or '..'";

const TENANT_ID_RE = /^[a-zA-Z0-9!\-_.*'()]{1,150}$/;

/**
 * Whether `id` is a tenant ID Mimir would accept. `|` (Mimir's separator for querying several
 * tenants at once) is not among the characters: one request acts for one tenant.
 */
export function isValidTenantId(id: string): boolean {
  return TENANT_ID_RE.test(id) && id !== '.' && id !== '..';
}
