import type * as vscode from 'vscode';

/**
 * Per-connection "recent requests" kept in globalState: newest first, an identical draft
 * moves to the top instead of appearing twice, at most `limit` entries.
 */
export async function recordHistory<D>(
  state: vscode.Memento,
  key: string,
  draft: D,
  outcome: string,
  limit: number,
): Promise<{ at: number; draft: D; outcome: string }[]> {
  const text = JSON.stringify(draft);
  const prior = state.get<{ at: number; draft: D; outcome: string }[]>(key, []);
  const history = [{ at: Date.now(), draft, outcome }, ...prior.filter((h) => JSON.stringify(h.draft) !== text)].slice(
    0,
    limit,
  );
  await state.update(key, history);
  return history;
}
