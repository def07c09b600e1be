/**
 * What `.amqp` completion offers from the broker for a request's target (PUBLISH / CALL / ROUTE
 * exchanges, PEEK queues) and for the default exchange's routing key (queues), without vscode so
 * that it is unit-tested: one page of the names containing what is typed, searched on the server
 * (live.ts), and `incomplete` while more match than the page holds, so VS Code asks again as the
 * user types. Nothing is capped: any exchange or queue of the vhost is offered once enough of its
 * name is typed.
 */
import type { PickerMatches } from '../../protocol/picker';
import type { QueueMatches } from './live';

export interface SearchedEntry {
  name: string;
  detail: string;
}

export interface SearchedList {
  entries: SearchedEntry[];
  /** More names contain the text than the page holds: the list must be asked for again. */
  incomplete: boolean;
}

/** What is searched for: the completed word from its start to the cursor, without an opening quote. */
export function typedSoFar(beforeCursor: string): string {
  return beforeCursor.replace(/^"/, '');
}

/** Exchanges (the default exchange is offered separately, as `""`). */
export function exchangeEntries(m: PickerMatches): SearchedList {
  return {
    entries: m.items.filter((x) => x.name !== '').map((x) => ({ name: x.name, detail: `${x.type} exchange` })),
    incomplete: m.matched > m.items.length,
  };
}

/** PEEK's queues, with their type and ready count. */
export function peekQueueEntries(m: QueueMatches): SearchedList {
  return {
    entries: m.items.map((q) => ({
      name: q.name,
      detail: `${q.type ?? 'classic'} queue, ${q.messages_ready ?? 0} ready`,
    })),
    incomplete: m.matched > m.items.length,
  };
}

/** The default exchange's routing keys: the queues' names. */
export function defaultExchangeKeys(m: QueueMatches): SearchedList {
  return {
    entries: m.items.map((q) => ({ name: q.name, detail: 'queue (default exchange)' })),
    incomplete: m.matched > m.items.length,
  };
}
