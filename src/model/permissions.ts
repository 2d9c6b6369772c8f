/**
 * User permissions, as the reference: six targets, each a `rwd` string.
 * Stored as a bitmask (3 bits per target, r=4 w=2 d=1).
 */

export const permissionTargets = [
  'transfers',
  'servers',
  'partners',
  'rules',
  'users',
  'administration',
] as const;
export type PermissionTarget = (typeof permissionTargets)[number];
export type PermissionRight = 'r' | 'w' | 'd';
export type Permissions = Record<PermissionTarget, string>;

const bits: Record<PermissionRight, number> = { r: 4, w: 2, d: 1 };

function shift(target: PermissionTarget): number {
  return permissionTargets.indexOf(target) * 3;
}

export function hasPermission(mask: number, target: PermissionTarget, right: PermissionRight): boolean {
  return ((mask >> shift(target)) & bits[right]) !== 0;
}

export const allPermissions: number = permissionTargets.reduce((m, t) => m | (7 << shift(t)), 0);

/** Mask → `{transfers: 'rw-', …}`. */
export function maskToPermissions(mask: number): Permissions {
  const out = {} as Permissions;
  for (const t of permissionTargets) {
    const v = (mask >> shift(t)) & 7;
    out[t] = (v & 4 ? 'r' : '-') + (v & 2 ? 'w' : '-') + (v & 1 ? 'd' : '-');
  }
  return out;
}

/**
 * Applies one permission edit to a 3-bit value. Accepts the reference's forms:
 * `rwd` / `rw-` (absolute), `=rw`, `+d`, `-w`, and combinations like `+r-w`.
 * Returns undefined when the string is not valid.
 */
export function applyPermissionEdit(current: number, edit: string): number | undefined {
  if (/^[r-][w-][d-]$/.test(edit)) {
    return (edit[0] === 'r' ? 4 : 0) | (edit[1] === 'w' ? 2 : 0) | (edit[2] === 'd' ? 1 : 0);
  }
  if (edit === '') return current;
  let value = current;
  const re = /([=+-])([rwd-]*)/gy;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(edit)) !== null && m[0] !== '') {
    consumed += m[0].length;
    const op = m[1];
    let v = 0;
    for (const c of m[2] ?? '') if (c !== '-') v |= bits[c as PermissionRight];
    if (op === '=') value = v;
    else if (op === '+') value |= v;
    else value &= ~v & 7;
  }
  return consumed === edit.length ? value : undefined;
}

/** Applies `{target: edit}` to a mask; returns the new mask or the name of the bad target. */
export function applyPermissions(
  mask: number,
  edits: Partial<Record<string, string>>,
): { mask: number } | { badTarget: string } {
  let out = mask;
  for (const [target, edit] of Object.entries(edits)) {
    if (!(permissionTargets as readonly string[]).includes(target) || typeof edit !== 'string') {
      return { badTarget: target };
    }
    const t = target as PermissionTarget;
    const next = applyPermissionEdit((out >> shift(t)) & 7, edit);
    if (next === undefined) return { badTarget: target };
    out = (out & ~(7 << shift(t))) | (next << shift(t));
  }
  return { mask: out };
}

/**
 * The rights `mask` holds that `holder` does not, as `target:right` (`administration:w`); empty
 * when `mask` is within `holder`. A user may only grant, or edit a user holding, what it holds
 * itself, so no right can be reached from fewer rights.
 */
export function rightsBeyond(mask: number, holder: number): string[] {
  const out: string[] = [];
  for (const t of permissionTargets) {
    for (const r of ['r', 'w', 'd'] as const) {
      if (hasPermission(mask, t, r) && !hasPermission(holder, t, r)) out.push(`${t}:${r}`);
    }
  }
  return out;
}
