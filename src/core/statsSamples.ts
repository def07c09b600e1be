/**
 * The management API's sample windows turned into chart data. Pure: unit-tested.
 *
 * With `?lengths_age=600&lengths_incr=5&msg_rates_age=600&msg_rates_incr=5`, GET /api/queues/{v}/{q},
 * /api/exchanges/{v}/{x} and /api/overview return, next to each figure, a `<figure>_details` object
 * `{ rate, samples: [{ sample, timestamp }, …] }`, newest sample first:
 * - for a length (`messages`, `messages_ready`, `messages_unacknowledged`) a sample is the length at
 *   that time (a gauge);
 * - for a message count (`message_stats.publish`, `deliver_get`, `ack`, …) a sample is the running
 *   total, so the rate between two samples is their difference over the time between them.
 *
 * What differs between brokers and situations, read defensively here:
 * - `message_stats` is absent (3.10 and 4.0 queues) or `{}` (overview) until something happened, and
 *   a figure is absent until it first happened (an exchange that never routed has no publish_out):
 *   such a series is all zeros on the chart's time axis, marked `idle`;
 * - timestamps of different figures need not line up (lengths and rates are sampled apart): a chart's
 *   time axis is the union of its series' timestamps, and a series has null where it has no sample;
 * - a running total that goes down (the object was deleted and re-created, stats were reset) gives
 *   no rate for that interval (null), never a negative one;
 * - bad entries (non-numbers, missing timestamps) are skipped, duplicate timestamps keep the last.
 */

export interface Sample {
  /** Milliseconds since the epoch. */
  timestamp: number;
  sample: number;
}

/** One series of a chart: a gauge read as it is, or a running total read as a rate per second. */
export interface SeriesSpec {
  /** The figure's name: `messages`, or `message_stats.publish` (its `_details` holds the samples). */
  field: string;
  label: string;
  kind: 'gauge' | 'rate';
  /** A colour name the webview maps to a VS Code theme colour (blue, green, orange, red, purple, yellow). */
  color: ChartColor;
}

export type ChartColor = 'blue' | 'green' | 'orange' | 'red' | 'purple' | 'yellow';

export interface ChartSeries {
  label: string;
  color: ChartColor;
  /** One value per time of the chart's `x`; null where the series has no value then. */
  values: (number | null)[];
  /** The figure is absent from the reply: nothing of it happened yet (drawn as zeros). */
  idle: boolean;
  /** The broker's own current value: the length, or its `rate` (per second). */
  current?: number;
}

/** What a chart draws: shared times (seconds since the epoch, ascending) and aligned series. */
export interface ChartData {
  title: string;
  unit: 'messages' | 'msg/s';
  x: number[];
  series: ChartSeries[];
}

export const QUEUE_DEPTH: readonly SeriesSpec[] = [
  { field: 'messages', label: 'Total', kind: 'gauge', color: 'blue' },
  { field: 'messages_ready', label: 'Ready', kind: 'gauge', color: 'green' },
  { field: 'messages_unacknowledged', label: 'Unacked', kind: 'gauge', color: 'orange' },
];

export const QUEUE_RATES: readonly SeriesSpec[] = [
  { field: 'message_stats.publish', label: 'Publish', kind: 'rate', color: 'blue' },
  { field: 'message_stats.deliver_get', label: 'Deliver / get', kind: 'rate', color: 'green' },
  { field: 'message_stats.ack', label: 'Ack', kind: 'rate', color: 'purple' },
  { field: 'message_stats.redeliver', label: 'Redeliver', kind: 'rate', color: 'red' },
];

export const EXCHANGE_RATES: readonly SeriesSpec[] = [
  { field: 'message_stats.publish_in', label: 'Publish in', kind: 'rate', color: 'blue' },
  { field: 'message_stats.publish_out', label: 'Publish out', kind: 'rate', color: 'green' },
];

export const OVERVIEW_RATES: readonly SeriesSpec[] = [
  { field: 'message_stats.publish', label: 'Publish', kind: 'rate', color: 'blue' },
  { field: 'message_stats.deliver_get', label: 'Deliver / get', kind: 'rate', color: 'green' },
  { field: 'message_stats.ack', label: 'Ack', kind: 'rate', color: 'purple' },
];

/** The sample window the panels ask for: the last 10 minutes, one sample every 5 seconds. */
export const SAMPLE_QUERY = { lengths_age: '600', lengths_incr: '5', msg_rates_age: '600', msg_rates_incr: '5' };

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The `_details` object of a figure (`message_stats.publish` → raw.message_stats.publish_details). */
export function detailsOf(raw: unknown, field: string): Obj | undefined {
  const path = field.split('.');
  const last = path.pop() as string;
  let at: Obj | undefined = obj(raw);
  for (const p of path) at = obj(at?.[p]);
  return obj(at?.[`${last}_details`]);
}

/** A details object's samples, oldest first, bad entries skipped, one per timestamp. */
export function readSamples(details: unknown): Sample[] {
  const list = obj(details)?.samples;
  if (!Array.isArray(list)) return [];
  const byTime = new Map<number, number>();
  for (const s of list) {
    const timestamp = finite(obj(s)?.timestamp);
    const sample = finite(obj(s)?.sample);
    if (timestamp !== undefined && sample !== undefined) byTime.set(timestamp, sample);
  }
  return [...byTime].sort((a, b) => a[0] - b[0]).map(([timestamp, sample]) => ({ timestamp, sample }));
}

/**
 * Rates per second from running totals (oldest first): the rate at a sample is its increase since
 * the previous sample over the time between them. The first sample has none (null); so has an
 * interval where the total went down.
 */
export function ratesFromTotals(samples: readonly Sample[]): { timestamp: number; rate: number | null }[] {
  return samples.map((s, i) => {
    const prev = samples[i - 1];
    if (!prev) return { timestamp: s.timestamp, rate: null };
    const seconds = (s.timestamp - prev.timestamp) / 1000;
    const delta = s.sample - prev.sample;
    return { timestamp: s.timestamp, rate: seconds > 0 && delta >= 0 ? delta / seconds : null };
  });
}

/** Aligns several series on the union of their times (milliseconds in, seconds out). */
export function alignSeries(series: readonly { timestamp: number; value: number | null }[][]): {
  x: number[];
  values: (number | null)[][];
} {
  const times = [...new Set(series.flatMap((s) => s.map((p) => p.timestamp)))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const values = series.map((s) => {
    const row: (number | null)[] = times.map(() => null);
    for (const p of s) row[index.get(p.timestamp) as number] = p.value;
    return row;
  });
  return { x: times.map((t) => t / 1000), values };
}

/** A chart of `specs` from one management API reply (a queue, an exchange, the overview). */
export function buildChart(raw: unknown, title: string, specs: readonly SeriesSpec[]): ChartData {
  const read = specs.map((spec) => {
    const details = detailsOf(raw, spec.field);
    const samples = readSamples(details);
    const points =
      spec.kind === 'gauge'
        ? samples.map((s) => ({ timestamp: s.timestamp, value: s.sample as number | null }))
        : ratesFromTotals(samples).map((r) => ({ timestamp: r.timestamp, value: r.rate }));
    const current = spec.kind === 'gauge' ? currentGauge(raw, spec.field) : finite(details?.rate);
    return { spec, points, idle: details === undefined, current };
  });
  const { x, values } = alignSeries(read.map((r) => r.points));
  return {
    title,
    unit: specs.every((s) => s.kind === 'gauge') ? 'messages' : 'msg/s',
    x,
    series: read.map((r, i) => ({
      label: r.spec.label,
      color: r.spec.color,
      // Absent: nothing of it has happened in the window, so it is zero all along.
      values: r.idle ? x.map(() => 0) : (values[i] as (number | null)[]),
      idle: r.idle,
      ...(r.current !== undefined ? { current: r.current } : r.idle && x.length ? { current: 0 } : {}),
    })),
  };
}

function currentGauge(raw: unknown, field: string): number | undefined {
  const path = field.split('.');
  let at: unknown = raw;
  for (const p of path) at = obj(at)?.[p];
  return finite(at);
}

/** Whether a chart has anything to draw (at least two times). */
export function hasPoints(chart: ChartData): boolean {
  return chart.x.length >= 2;
}
