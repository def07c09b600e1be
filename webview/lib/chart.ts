/**
 * Time-series charts for the Details and Overview panels, drawn by uPlot on a canvas. Colours come
 * from VS Code's theme variables (--vscode-charts-*, --vscode-foreground, --vscode-editorWidget-border)
 * and are read again when the theme changes (VS Code swaps the body's vscode-dark / vscode-light /
 * vscode-high-contrast class). Labels reach the page as text only (uPlot sets textContent).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ChartColor, ChartData } from '../../src/protocol/details';

/** What a chart shows: its series' names and colours, and the unit of its values. */
export interface ChartSpec {
  unit: string;
  series: { label: string; color: ChartColor }[];
}

export interface ChartHandle {
  readonly element: HTMLElement;
  /** New values for the same series (a refresh). */
  setData(data: ChartData): void;
  destroy(): void;
}

const FALLBACK: Record<ChartColor, string> = {
  blue: '#3794ff',
  green: '#89d185',
  orange: '#d18616',
  red: '#f14c4c',
  purple: '#b180d7',
  yellow: '#cca700',
};

function themeVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

function colours() {
  const series = {} as Record<ChartColor, string>;
  for (const c of Object.keys(FALLBACK) as ChartColor[]) series[c] = themeVar(`--vscode-charts-${c}`, FALLBACK[c]);
  const highContrast = document.body.classList.contains('vscode-high-contrast');
  return {
    series,
    foreground: themeVar('--vscode-foreground', '#cccccc'),
    grid: themeVar('--vscode-editorWidget-border', '#454545'),
    width: highContrast ? 2.5 : 1.5,
  };
}

/** The theme's kind (vscode-dark, vscode-light, vscode-high-contrast…) and name, as VS Code marks the body. */
function themeName(): string {
  const kind = [...document.body.classList].find((c) => /^vscode-(light|dark|high-contrast)/.test(c)) ?? '';
  return `${kind} ${document.body.dataset.vscodeThemeName ?? ''}`.trim();
}

function formatValue(unit: string, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (unit === 'msg/s') return `${v >= 100 ? Math.round(v) : v.toFixed(1)}/s`;
  return String(Math.round(v));
}

function toAligned(data: ChartData): uPlot.AlignedData {
  return [data.x, ...data.series.map((s) => s.values)] as uPlot.AlignedData;
}

function width(el: HTMLElement): number {
  return Math.max(240, Math.floor(el.clientWidth || el.parentElement?.clientWidth || 480));
}

/** Draws `spec`'s series into `el` (a chart 180 px high, as wide as `el`). */
export function createChart(el: HTMLElement, spec: ChartSpec, height = 180): ChartHandle {
  let data: uPlot.AlignedData = [[], ...spec.series.map(() => [])] as uPlot.AlignedData;
  let plot: uPlot | undefined;

  const options = (): uPlot.Options => {
    const c = colours();
    const axis = {
      stroke: c.foreground,
      grid: { stroke: c.grid, width: 1 },
      ticks: { stroke: c.grid, width: 1 },
    };
    return {
      width: width(el),
      height,
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [axis, { ...axis, size: 56, values: (_u, ticks) => ticks.map((t) => formatValue(spec.unit, t)) }],
      series: [
        {},
        ...spec.series.map((s) => ({
          label: s.label,
          stroke: c.series[s.color],
          width: c.width,
          spanGaps: true,
          points: { show: false },
          value: (_u: uPlot, v: number | null) => formatValue(spec.unit, v),
        })),
      ],
    };
  };

  const draw = () => {
    plot?.destroy();
    plot = new uPlot(options(), data, el);
    // Which theme the colours were read in (for tests and for a look in the developer tools).
    el.dataset.theme = themeName();
  };
  draw();

  // The theme changed: uPlot keeps its colours, so the chart is built again with the new ones.
  // VS Code sets the body's class (the kind) and data-vscode-theme-name (another theme of the same
  // kind) before the new --vscode-* variables, in one go: the observer runs after both.
  const themeWatch = new MutationObserver(() => {
    if (el.dataset.theme !== themeName()) draw();
  });
  themeWatch.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-name'] });
  const resize = new ResizeObserver(() => plot?.setSize({ width: width(el), height }));
  resize.observe(el);

  return {
    element: el,
    setData(next) {
      data = toAligned(next);
      plot?.setData(data);
    },
    destroy() {
      themeWatch.disconnect();
      resize.disconnect();
      plot?.destroy();
      plot = undefined;
    },
  };
}

/**
 * Keeps one chart per container across Lit redraws: after each draw, `sync` finds the containers
 * (elements with data-chart="<index>"), builds a chart in a new container, and gives each its data.
 */
export class ChartSet {
  private readonly charts = new Map<string, ChartHandle>();

  sync(root: ParentNode, charts: readonly ChartData[]): void {
    const seen = new Set<string>();
    for (const el of root.querySelectorAll<HTMLElement>('[data-chart]')) {
      const key = el.dataset.chart ?? '';
      const data = charts[Number(key)];
      if (!data) continue;
      seen.add(key);
      let chart = this.charts.get(key);
      const signature = data.series.map((s) => `${s.label}:${s.color}`).join('|');
      if (chart && (chart.element !== el || el.dataset.signature !== signature)) {
        chart.destroy();
        chart = undefined;
      }
      if (!chart) {
        el.replaceChildren();
        el.dataset.signature = signature;
        chart = createChart(el, { unit: data.unit, series: data.series });
        this.charts.set(key, chart);
      }
      chart.setData(data);
    }
    for (const [key, chart] of this.charts) {
      if (!seen.has(key)) {
        chart.destroy();
        this.charts.delete(key);
      }
    }
  }
}
