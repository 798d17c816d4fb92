// The events-per-second graph: uPlot (served by the app from its node_modules) over the last 10 minutes of
// samples. The container's data-points attribute tells tests and assistive tech how many samples it holds.

const WINDOW_SECONDS = 600;
const MIN_SPAN_SECONDS = 120;

const clockTime = (epochSeconds) => new Date(epochSeconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export class RateChart {
  /** @param {HTMLElement} container */
  constructor(container) {
    this.container = container;
    this.times = [];
    this.values = [];
    this.plot = null;
    if (!window.uPlot) {
      container.textContent = 'The chart library did not load; the current rate is shown above.';
      container.classList.add('error');
      return;
    }
    this.plot = new window.uPlot(this.options(), [this.times, this.values], container);
    // uPlot draws at a fixed size; follow the card's width so the graph fits a phone and a wide screen alike.
    new ResizeObserver(() => this.resize()).observe(container);
  }

  options() {
    return {
      width: Math.max(200, this.container.clientWidth),
      height: 220,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        // uPlot consults this only while there is no data (the last two minutes); push() sets the window after.
        x: { time: true, range: () => [Date.now() / 1000 - MIN_SPAN_SECONDS, Date.now() / 1000] },
        y: { range: (_u, _min, max) => [0, Math.max(10, Math.ceil((max ?? 0) * 1.15))] },
      },
      axes: [
        // Clock times only (one line), spaced so they never overlap on a phone.
        { stroke: '#57606a', grid: { stroke: '#eaeef2' }, space: 80, values: (_u, splits) => splits.map(clockTime) },
        { stroke: '#57606a', grid: { stroke: '#eaeef2' }, size: 56 },
      ],
      series: [{}, { label: 'events/s', stroke: '#0b63ce', width: 2, fill: 'rgba(11, 99, 206, 0.12)', points: { show: false } }],
    };
  }

  resize() {
    if (!this.plot) return;
    const width = Math.max(200, this.container.clientWidth);
    if (Math.abs(width - this.plot.width) > 1) this.plot.setSize({ width, height: 220 });
  }

  /** Adds a sample (epoch seconds, events per second) and drops samples older than the window. */
  push(epochSeconds, value) {
    this.times.push(epochSeconds);
    this.values.push(value);
    while (this.times.length > 0 && this.times[0] < epochSeconds - WINDOW_SECONDS) {
      this.times.shift();
      this.values.shift();
    }
    this.container.dataset.points = String(this.times.length);
    this.container.dataset.max = String(Math.max(0, ...this.values));
    if (!this.plot) return;
    // uPlot would stretch a single sample over a day; show at least two minutes, ending at the newest sample.
    this.plot.setData([this.times, this.values], false);
    this.plot.setScale('x', { min: Math.min(this.times[0], epochSeconds - MIN_SPAN_SECONDS), max: epochSeconds });
  }
}
