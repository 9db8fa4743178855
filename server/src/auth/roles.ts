/**
 * Roles form a ladder: each includes every role below it. The station's ladder is
 * lectura < operador < supervisor < admin; the company's is lectura < precios < admin.
 */
export interface RoleLadder<R extends string = string> {
  /** Lowest first. */
  readonly roles: readonly R[];
  /** True when `have` is `need` or above it. */
  includes(have: R, need: R): boolean;
  /** The role just below `role`, or undefined for the lowest. */
  below(role: R): R | undefined;
  isRole(value: string): value is R;
  /** The highest role: it manages users and tokens. */
  readonly admin: R;
}

export function roleLadder<const R extends string>(roles: readonly [R, ...R[]]): RoleLadder<R> {
  const rank = new Map<string, number>(roles.map((r, i) => [r, i]));
  return {
    roles,
    includes: (have, need) => (rank.get(have) ?? -1) >= (rank.get(need) ?? Number.POSITIVE_INFINITY),
    below: (role) => roles[(rank.get(role) ?? 0) - 1],
    isRole: (value): value is R => rank.has(value),
    admin: roles[roles.length - 1] as R,
  };
}

export const STATION_ROLES = roleLadder(['lectura', 'operador', 'supervisor', 'admin']);
export type StationRole = (typeof STATION_ROLES.roles)[number];
export const COMPANY_ROLES = roleLadder(['lectura', 'precios', 'admin']);
export type CompanyRole = (typeof COMPANY_ROLES.roles)[number];
