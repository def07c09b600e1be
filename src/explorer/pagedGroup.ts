/**
 * The Exchanges and Queues groups' paging: pages of a vhost's objects from the management API,
 * with a server-side name filter, kept across refreshes. What each click and tick costs:
 * - the first expand: one request (page 1);
 * - Load more: one request (the next page), appended to the pages kept;
 * - a refresh (a live tree tick, Refresh, after an operation): the loaded pages again in ONE
 *   request (page 1 of size loaded-count) up to the API's 500 per page, else in parallel;
 * - a live tree tick on a big vhost (ROW_TICK): the loaded rows by name, in parallel, and the
 *   listing only every ROW_TICK.listEveryMs. Any listing, even a page of one name, makes the broker
 *   read, format and sort every object of the vhost (RabbitMQ 4.0.5: ~70 ms for 10,000 queues, as
 *   much as 0.05× of the unpaged listing); a row by name costs the same whatever the vhost's size.
 * The count on the group row comes from the API's totals (filtered_count with a filter). Rows
 * are kept per name and updated in place, so the live tree re-renders only rows that changed.
 * No 'vscode' import.
 */
import { filterToRegex, groupCountText } from '../core/topology';
import { formatCount } from '../core/format';
import { MAX_PAGE_SIZE, type ListOptions, type ManagementClient, type Page } from '../broker/management';
import { ExplorerNode, InfoNode, guarded, type ExplorerContext, type NodeView } from './base';

/** A row of a group, updated in place when a refresh brings its object again. */
export interface GroupRow<T> extends ExplorerNode {
  setItem?(item: T): void;
}

/** What makes a paged group the Exchanges or the Queues group (or a profile in the Connections view). */
export interface GroupSpec<T extends { name: string }> {
  /** `kind` is also the contextValue (`queues`, `queues.filtered`…) and the last part of the id (`key` if given). */
  row: { title: string; kind: 'exchanges' | 'queues' | 'connections'; icon: string; key?: string };
  fetch(m: ManagementClient, vhost: string, opts: ListOptions): Promise<Page<T>>;
  /** One object by name, as fetch lists it; undefined when it is gone. Enables the row tick (ROW_TICK). */
  fetchOne?(m: ManagementClient, vhost: string, name: string): Promise<T | undefined>;
  /** Items the tree leaves out (system exchanges when so configured). */
  keep?(item: T): boolean;
  toNode(group: PagedGroupNode<T>, item: T): GroupRow<T>;
}

interface Counts {
  total: number;
  filtered: number;
  /** Pages of the configured size the (filtered) list has. */
  pageCount: number;
}

/**
 * When the live tree's tick fetches the loaded rows by name (spec.fetchOne) instead of listing:
 * the group's total is at least minTotal, at most maxRows rows are loaded, the last listing is
 * younger than listEveryMs, no row came back gone, and nothing marked the group stale (Burrow's own
 * operations do). New objects and the group count therefore follow the broker within listEveryMs
 * on such vhosts; the rows' figures within one tick. Mutable for tests.
 */
export const ROW_TICK = { minTotal: 2_000, maxRows: 200, listEveryMs: 30_000 };

/** How long data fetched by a tick or Load more may be shown without fetching again. */
const PRIMED_MS = 3_000;
/** How long after returning its rows a group redraws its own row with the counts. */
const REDRAW_AFTER_MS = 400;

export abstract class PagedGroupNode<T extends { name: string }> extends ExplorerNode {
  readonly id: string;
  filter = '';
  /** The loaded pages, each of the configured page size (the last may be shorter). */
  private pages: T[][] = [];
  private counts: Counts | undefined;
  /** When a tick or Load more fetched data that the next getChildren shows as is. */
  private primedAt = 0;
  private readonly rows = new Map<string, GroupRow<T>>();
  private structure = '';
  private loading: Promise<void> | undefined;
  private loadingKind: 'list' | 'rows' = 'list';
  /** When the loaded pages were last listed (not fetched row by row). */
  private listedAt = 0;
  /** Set by markStale: the next tick lists. */
  private stale = false;
  /** Bumped by Load more and Filter…: a refresh that started before them does not overwrite their pages. */
  private generation = 0;
  protected readonly title: string;

  constructor(
    parent: ExplorerNode,
    readonly ctx: ExplorerContext,
    readonly profileId: string,
    readonly vhost: string,
    private readonly spec: GroupSpec<T>,
  ) {
    super(parent);
    this.id = `${parent.id}/${spec.row.key ?? spec.row.kind}`;
    this.title = spec.row.title;
  }

  view(): NodeView {
    return {
      label: this.title,
      description: groupCountText(this.counts, this.filter),
      tooltip: this.filter ? `Filtered on the server by name: ${this.filter}` : `${this.title} in ${this.vhost}`,
      contextValue: this.filter ? `${this.spec.row.kind}.filtered` : this.spec.row.kind,
      icon: { codicon: this.filter ? 'filter-filled' : this.spec.row.icon },
      collapsible: 'collapsed',
    };
  }

  private options(page: number, pageSize: number): ListOptions {
    const opts: ListOptions = { page, pageSize };
    if (this.filter) {
      opts.name = filterToRegex(this.filter);
      opts.useRegex = true;
    }
    return opts;
  }

  private get items(): T[] {
    return this.pages.flat();
  }

  /** How many objects the loaded pages hold. */
  get loadedCount(): number {
    return this.pages.reduce((n, p) => n + p.length, 0);
  }

  get hasMore(): boolean {
    return this.counts !== undefined && Math.max(1, this.pages.length) < this.counts.pageCount;
  }

  private setCounts(last: Page<T>, size: number): void {
    this.counts = {
      total: last.totalCount,
      filtered: last.filteredCount,
      pageCount: Math.max(1, Math.ceil(last.filteredCount / size)),
    };
  }

  /**
   * Fetches the loaded pages again (page 1 at first), or with 'rows' the loaded rows by name (a
   * listing if one is gone); one fetch at a time per group. A listing asked for while a row fetch
   * runs follows it.
   */
  private load(m: ManagementClient, kind: 'list' | 'rows' = 'list'): Promise<void> {
    if (this.loading && (kind === 'rows' || this.loadingKind === 'list')) return this.loading;
    const before = this.loading?.catch(() => undefined) ?? Promise.resolve();
    const run = async () => {
      await before;
      if (kind === 'list' || !(await this.fetchRows(m))) await this.fetchLoaded(m);
    };
    const p = run();
    this.loading = p;
    this.loadingKind = kind;
    const done = () => {
      if (this.loading === p) this.loading = undefined;
    };
    p.then(done, done);
    return p;
  }

  /** Whether the next tick may fetch the loaded rows by name instead of listing (see ROW_TICK). */
  get rowTickDue(): boolean {
    const n = this.loadedCount;
    return (
      this.spec.fetchOne !== undefined &&
      this.counts !== undefined &&
      !this.stale &&
      this.counts.total >= ROW_TICK.minTotal &&
      n > 0 &&
      n <= ROW_TICK.maxRows &&
      Date.now() - this.listedAt < ROW_TICK.listEveryMs
    );
  }

  /** The next tick lists (new objects, counts): after Burrow's own operations on this group. */
  markStale(): void {
    this.stale = true;
  }

  /** The loaded rows again by name, in place; false (nothing changed) if one is gone. */
  private async fetchRows(m: ManagementClient): Promise<boolean> {
    const fetchOne = this.spec.fetchOne!;
    const generation = this.generation;
    const fresh = await Promise.all(this.items.map((item) => fetchOne(m, this.vhost, item.name)));
    if (generation !== this.generation) return true;
    if (fresh.some((item) => item === undefined)) return false;
    let i = 0;
    this.pages = this.pages.map((page) => page.map(() => fresh[i++]!));
    return true;
  }

  private async fetchLoaded(m: ManagementClient): Promise<void> {
    const size = this.ctx.pageSize();
    const n = Math.max(1, this.pages.length);
    const generation = this.generation;
    let pages: T[][];
    let last: Page<T>;
    if (n * size <= MAX_PAGE_SIZE) {
      last = await this.spec.fetch(m, this.vhost, this.options(1, n * size));
      pages = [];
      for (let i = 0; i < last.items.length; i += size) pages.push(last.items.slice(i, i + size));
    } else {
      const all = await Promise.all(
        Array.from({ length: n }, (_, i) => this.spec.fetch(m, this.vhost, this.options(i + 1, size))),
      );
      last = all[all.length - 1];
      pages = all.map((p) => p.items).filter((items) => items.length > 0);
    }
    if (generation !== this.generation) return;
    this.pages = pages.length ? pages : [[]];
    this.setCounts(last, size);
    this.listedAt = Date.now();
    this.stale = false;
  }

  /** Shows the loaded pages; fetches them first unless a tick or Load more just did. */
  override getChildren(): Promise<ExplorerNode[]> {
    if (this.counts && Date.now() - this.primedAt < PRIMED_MS) {
      this.primedAt = 0;
      return Promise.resolve(this.render());
    }
    return guarded(this.ctx, this.profileId, this, async (m) => {
      await this.load(m);
      const nodes = this.render();
      // The group row was drawn before its pages came back: show the new counts (from the cache),
      // once VS Code has taken the rows (a refresh racing with them makes it drop later row refreshes).
      setTimeout(() => this.redrawRow(), REDRAW_AFTER_MS);
      return nodes;
    });
  }

  private redrawRow(): void {
    this.primedAt = Date.now();
    if (!this.ctx.changed?.(this)) this.primedAt = 0;
  }

  /** The live tree's tick: the loaded pages again; re-renders the group if its rows changed, else only changed rows. */
  override async poll(): Promise<void> {
    if (!this.counts) return;
    const m = await this.ctx.management(this.profileId);
    try {
      await this.load(m, this.rowTickDue ? 'rows' : 'list');
    } catch (err) {
      this.ctx.reportError(this.profileId, err);
      throw err;
    }
    this.ctx.reportOk(this.profileId);
    const before = this.structure;
    const nodes = this.render();
    this.primedAt = Date.now();
    if (this.structure !== before) {
      this.ctx.reload?.(this);
      return;
    }
    if (this.ctx.changed?.(this)) return; // the whole group re-renders, rows included
    this.primedAt = 0;
    for (const node of nodes) this.ctx.changed?.(node);
  }

  /** Fetches the next page only and appends it. */
  async loadMore(): Promise<void> {
    const m = await this.ctx.management(this.profileId);
    await this.loading?.catch(() => undefined); // a refresh in flight first: its pages, then the next one
    const size = this.ctx.pageSize();
    const next = await this.spec.fetch(m, this.vhost, this.options(this.pages.length + 1, size));
    this.generation++;
    if (next.items.length) this.pages.push(next.items);
    this.setCounts(next, size);
    this.primedAt = Date.now();
  }

  setFilter(filter: string): void {
    this.filter = filter.trim();
    this.generation++;
    this.pages = [];
    this.counts = undefined;
    this.primedAt = 0;
    this.stale = true;
  }

  private render(): ExplorerNode[] {
    const keep = this.spec.keep ?? (() => true);
    const seen = new Set<string>();
    const nodes: ExplorerNode[] = [];
    for (const item of this.items) {
      if (!keep(item) || seen.has(item.name)) continue;
      seen.add(item.name);
      let node = this.rows.get(item.name);
      if (node?.setItem) node.setItem(item);
      else {
        if (node) node.detached = true;
        node = this.spec.toNode(this, item);
        this.rows.set(item.name, node);
      }
      nodes.push(node);
    }
    for (const [name, node] of this.rows)
      if (!seen.has(name)) {
        node.detached = true;
        this.rows.delete(name);
      }
    const of = this.counts ? (this.filter ? this.counts.filtered : this.counts.total) : 0;
    if (this.hasMore) nodes.push(new LoadMoreNode(this, this.loadedCount, of));
    if (nodes.length === 0)
      nodes.push(
        new InfoNode(
          this,
          this.filter ? `No ${this.title.toLowerCase()} match '${this.filter}'` : `No ${this.title.toLowerCase()}`,
        ),
      );
    this.structure = `${[...seen].join('\n')}\n${this.hasMore ? `more:${this.loadedCount}/${of}` : ''}`;
    return nodes;
  }
}

export class LoadMoreNode extends ExplorerNode {
  readonly id: string;
  constructor(
    readonly group: ExplorerNode & { loadMore(): Promise<void> },
    readonly shown: number,
    readonly of: number,
  ) {
    super(group);
    this.id = `${group.id}/!more`;
  }
  view(): NodeView {
    return {
      label: 'Load more…',
      description: `${formatCount(this.shown)} of ${formatCount(this.of)} shown`,
      contextValue: 'loadMore',
      icon: { codicon: 'ellipsis' },
      collapsible: 'none',
      command: { command: 'burrow.loadMore', title: 'Load more' },
    };
  }
}
