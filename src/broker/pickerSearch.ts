import type { ManagementClient } from './management';
import { PICKER_PAGE, type PickerKind, type PickerMatches } from '../protocol/picker';

/**
 * One page of exchange or queue names containing `text` (case-insensitive substring, the
 * management API's name filter with use_regex=false), with how many match and how many exist.
 * Works the same on 3.10 and 4.0: both page and filter /api/exchanges and /api/queues.
 */
export async function searchPicker(
  m: ManagementClient,
  vhost: string,
  kind: PickerKind,
  text: string,
  pageSize = PICKER_PAGE,
): Promise<PickerMatches> {
  const opts = { page: 1, pageSize, name: text, columns: ['name', 'type'] };
  const page = kind === 'exchange' ? await m.listExchanges(vhost, opts) : await m.listQueues(vhost, opts);
  return {
    kind,
    text,
    items: page.items.map((x) => ({ name: x.name, type: x.type ?? '' })),
    matched: page.filteredCount,
    total: page.totalCount,
  };
}
