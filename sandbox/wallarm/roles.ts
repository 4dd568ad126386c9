/**
 * Which token permissions a role may grant: "never wider than the user's role" (provider-facts §3.2). Wallarm does not
 * publish the lattice; this is the emulator's reading of the role names (W2 token roles, W4 user roles): a role
 * grants itself and the roles below it, Global (partner_*) roles also grant their company-level counterparts.
 */
export const ROLES = ['admin', 'analytic', 'auditor', 'deploy', 'partner_admin', 'partner_analytic', 'partner_auditor'] as const;
export type WallarmRole = (typeof ROLES)[number];

const grants: Readonly<Record<WallarmRole, readonly WallarmRole[]>> = {
  admin: ['admin', 'analytic', 'auditor', 'deploy'],
  analytic: ['analytic', 'auditor'],
  auditor: ['auditor'],
  deploy: ['deploy'],
  partner_admin: ['partner_admin', 'partner_analytic', 'partner_auditor', 'admin', 'analytic', 'auditor', 'deploy'],
  partner_analytic: ['partner_analytic', 'partner_auditor', 'analytic', 'auditor'],
  partner_auditor: ['partner_auditor', 'auditor'],
};

export function isRole(value: string): value is WallarmRole {
  return (ROLES as readonly string[]).includes(value);
}

/** Every permission `held` (a user's role or a token's permissions) allows granting. */
export function grantable(held: readonly string[]): Set<string> {
  return new Set(held.filter(isRole).flatMap((role) => grants[role]));
}

/** Administrators (and Global ones) create shared tokens and see every token of the company (provider-facts §3.2). */
export function isAdministrator(held: readonly string[]): boolean {
  return held.includes('admin') || held.includes('partner_admin');
}

/** Personal tokens are for Administrators and Analysts (provider-facts §3.2): the roles that may manage tokens. */
export function mayManageTokens(held: readonly string[]): boolean {
  return held.some((p) => p === 'admin' || p === 'analytic' || p === 'partner_admin' || p === 'partner_analytic');
}
