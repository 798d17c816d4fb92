// The Realism page: GET /api/generators/report for a range (computed on demand, never polled: it reads every
// row of the range), each section drawn as a uPlot chart with its published benchmark beside the measure and a
// caption with the gap and the source. Each chart's container carries data-chart and data-points for tests.
import { api } from './api.js';
import { byId, el, fmtInt, panelError, say } from './dom.js';

const COLORS = ['#0b63ce', '#1a7f37', '#bf8700', '#8250df', '#cf222e', '#57606a'];
const BENCHMARK_COLOR = '#cf222e';
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const HEIGHT = 220;

const pct = (value) => (value === null || value === undefined ? '–' : `${(value * 100).toFixed(1)}%`);
const num = (value, digits = 2) => (value === null || value === undefined ? '–' : Number(value).toFixed(digits));

function plotInto(container, options, data) {
  if (!window.uPlot) {
    container.textContent = 'The chart library did not load.';
    return;
  }
  const width = Math.max(260, container.clientWidth || 320);
  const plot = new window.uPlot({ width, height: HEIGHT, legend: { live: false }, cursor: { drag: { x: false, y: false } }, ...options }, data, container);
  new ResizeObserver(() => {
    const next = Math.max(260, container.clientWidth);
    if (Math.abs(next - plot.width) > 1) plot.setSize({ width: next, height: HEIGHT });
  }).observe(container);
}

/**
 * Bars per category, one colour per series, side by side: series k of category i sits at x = i + k × step, so
 * the aligned data uPlot wants holds one value per slot and nulls elsewhere.
 */
function barChart(container, categories, series, format = (v) => String(v)) {
  const step = 0.8 / series.length;
  const xs = [];
  const columns = series.map(() => []);
  categories.forEach((_, i) => {
    series.forEach((_, k) => {
      xs.push(i + k * step);
      columns.forEach((column, c) => column.push(c === k ? series[k].values[i] : null));
    });
  });
  const bars = window.uPlot?.paths?.bars?.({ size: [0.9, 80], align: 1 });
  plotInto(
    container,
    {
      scales: { x: { time: false, range: () => [-0.2, categories.length] }, y: { range: (_u, _min, max) => [0, (max || 1) * 1.15] } },
      axes: [
        {
          stroke: '#57606a',
          grid: { show: false },
          splits: () => categories.map((_, i) => i + ((series.length - 1) * step) / 2),
          values: () => categories,
          // Many or long names are set at an angle so they do not run into each other.
          ...(categories.length > 4 ? { rotate: -45, size: 80, font: '10px sans-serif' } : {}),
        },
        { stroke: '#57606a', grid: { stroke: '#eaeef2' }, size: 60, values: (_u, splits) => splits.map(format) },
      ],
      series: [
        {},
        ...series.map((s, k) => ({
          label: s.label,
          stroke: s.color ?? COLORS[k % COLORS.length],
          fill: s.color ?? COLORS[k % COLORS.length],
          paths: bars,
          points: { show: false },
        })),
      ],
    },
    [xs, ...columns],
  );
  container.dataset.points = String(series.reduce((sum, s) => sum + s.values.filter((v) => v !== null && v !== undefined).length, 0));
}

/** Lines over a numeric x; a benchmark given as a constant is drawn dashed across the whole chart. */
function lineChart(container, xs, series, { xFormat = (v) => String(v), yFormat = (v) => String(v) } = {}) {
  plotInto(
    container,
    {
      scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, (max || 1) * 1.15] } },
      axes: [
        { stroke: '#57606a', grid: { stroke: '#eaeef2' }, values: (_u, splits) => splits.map(xFormat) },
        { stroke: '#57606a', grid: { stroke: '#eaeef2' }, size: 60, values: (_u, splits) => splits.map(yFormat) },
      ],
      series: [
        {},
        ...series.map((s, k) => ({
          label: s.label,
          stroke: s.color ?? COLORS[k % COLORS.length],
          width: 2,
          dash: s.dash,
          points: { show: s.points ?? false, size: 8 },
        })),
      ],
    },
    [xs, ...series.map((s) => s.values)],
  );
  container.dataset.points = String(xs.length);
}

function comparisonLine(comparison, format) {
  const { benchmark } = comparison;
  const source = benchmark.citation
    ? el('a', {
        text: `${benchmark.citation.publisher}, ${benchmark.citation.year}`,
        attrs: { href: benchmark.citation.url, target: '_blank', rel: 'noopener' },
      })
    : el('span', { className: 'muted', text: 'no published figure held' });
  return el(
    'li',
    {},
    el('strong', { text: benchmark.metric.replaceAll('_', ' ') }),
    `: measured ${format(comparison.measured)} · benchmark ${format(benchmark.value)} · gap ${comparison.gap === null ? '–' : format(comparison.gap)} — `,
    source,
    el('span', { className: 'muted', text: ` (${benchmark.note})` }),
  );
}

function figure(parent, name, title, comparisons, format) {
  const chart = el('div', { className: 'realism-chart', attrs: { 'data-chart': name, role: 'img', 'aria-label': title } });
  parent.append(
    el(
      'figure',
      { className: 'realism-figure' },
      el('figcaption', { text: title }),
      chart,
      el('ul', { className: 'realism-gaps' }, ...comparisons.map((c) => comparisonLine(c, format))),
    ),
  );
  return chart;
}

function drawHourly(parent, report) {
  const hours = Array.from({ length: 24 }, (_, h) => h);
  const formats = [...new Set(report.hourly.curves.map((c) => c.store_format))];
  const sumBy = (key, pick) => hours.map((h) => report.hourly.curves.filter(pick).reduce((sum, curve) => sum + curve[key][h], 0));
  const traffic = formats.map((format) => ({ label: format, values: sumBy('traffic', (c) => c.store_format === format) }));
  const peak = Math.max(...traffic.flatMap((s) => s.values));
  const benchmarkHour = report.hourly.comparisons[0]?.benchmark.value;
  traffic.push({ label: 'benchmark peak hour', color: BENCHMARK_COLOR, points: true, values: hours.map((h) => (h === benchmarkHour ? peak : null)) });
  lineChart(
    figure(parent, 'hourly-traffic', 'Entrants by hour of day, per store format', report.hourly.comparisons, (v) => num(v, 0)),
    hours,
    traffic,
    {
      xFormat: (h) => `${h}h`,
      yFormat: fmtInt,
    },
  );
  const weekdays = [...new Set(report.hourly.curves.map((c) => c.weekday))].sort();
  const sales = weekdays.map((weekday) => ({ label: WEEKDAYS[weekday], values: sumBy('sales_dollars', (c) => c.weekday === weekday) }));
  lineChart(figure(parent, 'hourly-sales', 'Sales ($) by hour of day, per weekday', [], String), hours, sales, {
    xFormat: (h) => `${h}h`,
    yFormat: (v) => (v >= 10_000 ? `$${Math.round(v / 1000)}k` : `$${v}`),
  });
}

function drawBasket(parent, report) {
  const { value_dollars: value, items } = report.basket;
  const benchmarkValue = report.basket.comparisons[0]?.benchmark.value;
  // Up to $600: the long tail of bulk baskets beyond it would flatten the shape an analyst looks at.
  const shown = value.histogram.filter((b) => b.from < 600);
  const valueBins = shown.map((b) => b.from);
  const top = Math.max(...shown.map((b) => b.count));
  lineChart(
    figure(
      parent,
      'basket-value',
      `Basket value ($): mean ${num(value.mean)}, median ${num(value.median, 0)}, 90th percentile ${num(value.p90, 0)}`,
      report.basket.comparisons,
      (v) => `$${num(v)}`,
    ),
    valueBins,
    [
      { label: 'receipts per $10', values: shown.map((b) => b.count) },
      {
        label: 'benchmark $/trip',
        color: BENCHMARK_COLOR,
        points: true,
        values: shown.map((b) => (benchmarkValue >= b.from && benchmarkValue < b.to ? top : null)),
      },
    ],
    { xFormat: (v) => `$${v}`, yFormat: fmtInt },
  );
  const itemBins = items.histogram.filter((b) => b.from <= 80);
  lineChart(
    figure(
      parent,
      'basket-items',
      `Items per basket: mean ${num(items.mean, 1)}, median ${num(items.median, 0)}, 90th percentile ${num(items.p90, 0)}`,
      [],
      String,
    ),
    itemBins.map((b) => b.from),
    [{ label: 'receipts', values: itemBins.map((b) => b.count) }],
    { yFormat: fmtInt },
  );
}

function drawTender(parent, report) {
  const comparisons = report.tender.comparisons;
  const names = comparisons.map((c) => c.benchmark.metric.replace('tender_share_', '').replace('_card', '').replace('_pay', ''));
  barChart(
    figure(parent, 'tender-mix', 'Tender mix in store (share of receipts) beside the Diary of Consumer Payment Choice', comparisons, pct),
    names,
    [
      { label: 'generated', values: comparisons.map((c) => c.measured) },
      { label: 'published', color: BENCHMARK_COLOR, values: comparisons.map((c) => c.benchmark.value) },
    ],
    pct,
  );
}

function drawReturns(parent, report) {
  const { by_department: departments, by_week: weeks, comparisons } = report.returns;
  const published = comparisons[0]?.benchmark.value ?? null;
  barChart(
    figure(
      parent,
      'returns-department',
      `Return rate by department (value); ${fmtInt(report.returns.return_receipts)} returns of ${fmtInt(report.returns.sale_receipts)} sales`,
      comparisons,
      pct,
    ),
    departments.map((d) => d.department),
    [
      { label: 'generated', values: departments.map((d) => d.rate) },
      { label: 'published (all retail)', color: BENCHMARK_COLOR, values: departments.map(() => published) },
    ],
    pct,
  );
  const chart = figure(parent, 'returns-week', 'Return rate by week (value)', [], pct);
  barChart(
    chart,
    weeks.map((w) => w.week_start),
    [
      { label: 'generated', values: weeks.map((w) => w.rate) },
      { label: 'published', color: BENCHMARK_COLOR, values: weeks.map(() => published) },
    ],
    pct,
  );
}

function drawFunnel(parent, report) {
  const f = report.funnel;
  barChart(
    figure(parent, 'funnel', `Visit funnel: ${pct(f.ble_rate)} seen by BLE, ${pct(f.conversion)} buy`, f.comparisons, pct),
    ['foot traffic', 'BLE-seen', 'buyers'],
    [{ label: 'visitors', values: [f.foot_traffic, f.ble_seen, f.buyers] }],
    fmtInt,
  );
}

function drawStockouts(parent, report) {
  const s = report.stockouts;
  const c = s.comparisons[0];
  barChart(
    figure(
      parent,
      'stockouts',
      `Stockouts: ${fmtInt(s.stockout_pairs)} of ${fmtInt(s.sought_pairs)} items sought (store-product-days) found empty`,
      s.comparisons,
      (v) => (v === null ? '–' : `${(v * 100).toFixed(2)}%`),
    ),
    ['out-of-stock rate'],
    [
      { label: 'generated', values: [c.measured] },
      { label: 'published', color: BENCHMARK_COLOR, values: [c.benchmark.value] },
    ],
    pct,
  );
}

function drawOnline(parent, report) {
  const o = report.online;
  const modes = o.fulfilment.map((f) => f.mode);
  barChart(
    figure(parent, 'online', `Online: ${fmtInt(o.orders)} orders, ${pct(o.online_share)} of sales; median hours from order`, o.comparisons, pct),
    modes,
    [
      { label: 'to pick', values: o.fulfilment.map((f) => f.median_hours_to_pick) },
      { label: 'to ship', values: o.fulfilment.map((f) => f.median_hours_to_ship) },
      { label: 'to deliver', values: o.fulfilment.map((f) => f.median_hours_to_deliver) },
    ],
    (v) => `${v}h`,
  );
}

function drawTrucks(parent, report) {
  const t = report.trucks;
  barChart(
    figure(
      parent,
      'trucks',
      `Trucks: ${fmtInt(t.on_time)} of ${fmtInt(t.arrivals)} arrivals on time; mean delay ${num(t.mean_delay_minutes, 1)} min`,
      t.comparisons,
      pct,
    ),
    ['on time', 'late'],
    [{ label: 'arrivals', values: [t.on_time, t.arrivals - t.on_time] }],
    fmtInt,
  );
}

function drawCampaigns(parent, report) {
  const c = report.campaigns;
  const top = [...c.campaigns].sort((a, b) => b.impressions - a.impressions).slice(0, 12);
  barChart(
    figure(
      parent,
      'campaigns',
      `Campaigns: reach and attributed sales; lift ${num(c.lift)} (buy rate ${pct(c.buy_rate_reached)} reached vs ${pct(c.buy_rate_not_reached)} not)`,
      c.comparisons,
      (v) => num(v),
    ),
    top.map((x) => x.campaign_id.slice(-6)),
    [
      { label: 'reach', values: top.map((x) => x.reach) },
      { label: 'attributed receipts + orders', values: top.map((x) => x.attributed_receipts + x.attributed_orders) },
    ],
    fmtInt,
  );
}

const SECTIONS = [drawHourly, drawBasket, drawTender, drawReturns, drawFunnel, drawStockouts, drawOnline, drawTrucks, drawCampaigns];

async function loadReport(event) {
  event?.preventDefault();
  const form = byId('realism-form');
  const params = new URLSearchParams();
  for (const name of ['start_date', 'end_date']) if (form.elements[name].value) params.set(name, form.elements[name].value);
  const output = byId('realism-charts');
  panelError('realism', null);
  say('realism-message', 'Computing the report from the Parquet in storage…');
  try {
    const report = await api(`/api/generators/report${params.size ? `?${params}` : ''}`);
    output.replaceChildren();
    for (const draw of SECTIONS) draw(output, report);
    output.dataset.charts = String(output.querySelectorAll('[data-chart]').length);
    say('realism-message', `${report.start_date} to ${report.end_date} (${report.days} days), computed in ${(report.computed_ms / 1000).toFixed(1)} s.`, 'ok');
  } catch (error) {
    say('realism-message', '');
    panelError('realism', error);
  }
}

export function setupRealism() {
  byId('realism-form').addEventListener('submit', (event) => void loadReport(event));
}
