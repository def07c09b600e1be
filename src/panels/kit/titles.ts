/** Tab titles that tell panels apart. Pure: unit-tested. */

export interface TitleEntry {
  key: string;
  /** The title on its own, e.g. "RPC: rpc_queue". */
  base: string;
  profileId: string;
  profileName: string;
  vhost: string;
}

/**
 * Titles for all open panels: a panel's base title, plus the connection's name when another open
 * panel has the same base title on another connection ("RPC: rpc_queue · localhost-4"), plus the
 * vhost when another one has it on the same connection in another vhost.
 */
export function distinctTitles(entries: readonly TitleEntry[]): Map<string, string> {
  const titles = new Map<string, string>();
  for (const e of entries) {
    const alike = entries.filter((o) => o.base === e.base);
    const parts = [e.base];
    if (alike.some((o) => o.profileId !== e.profileId)) parts.push(e.profileName);
    if (alike.some((o) => o.profileId === e.profileId && o.vhost !== e.vhost)) parts.push(`vhost ${e.vhost}`);
    titles.set(e.key, parts.join(' · '));
  }
  return titles;
}
