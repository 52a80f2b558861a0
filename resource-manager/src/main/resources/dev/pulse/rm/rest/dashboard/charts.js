/*
 * Small canvas charts for the Pulse dashboard: time series as lines or stacked bars, with a time axis, a value
 * axis and a legend. No library: the page must work offline from the resource manager's jar.
 *
 *   const chart = new PulseChart(canvas, {unit: 'ms', series: [{name: 'p99', color: '#c33'}], kind: 'line'});
 *   chart.draw(times, [[1.2, 1.4, null, 1.1]]);   // times in epoch ms, one value array per series
 *
 * draw() sets data-points on the canvas (the number of time points drawn) and data-drawn-at (the newest time),
 * which the browser tests read to see that a chart moves.
 */
'use strict';

class PulseChart {
  constructor(canvas, options) {
    this.canvas = canvas;
    this.options = Object.assign({unit: '', kind: 'line', series: []}, options);
  }

  draw(times, values) {
    const canvas = this.canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || 460;
    const height = canvas.clientHeight || 200;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    g.font = '11px system-ui, sans-serif';
    canvas.dataset.points = String(times.length);
    canvas.dataset.drawnAt = times.length ? String(times[times.length - 1]) : '';

    const left = 52, right = 24, top = 22, bottom = 20;
    const plotWidth = width - left - right, plotHeight = height - top - bottom;
    const stacked = this.options.kind === 'bars';
    let max = 0;
    for (let i = 0; i < times.length; i++) {
      let sum = 0;
      for (const series of values) {
        const v = series[i];
        if (v != null && isFinite(v)) {
          sum = stacked ? sum + v : Math.max(sum, v);
        }
      }
      max = Math.max(max, sum);
    }
    const scale = niceMax(max);
    const t0 = times.length ? times[0] : Date.now() - 60000;
    const t1 = times.length > 1 ? times[times.length - 1] : t0 + 60000;
    const x = t => left + (t1 === t0 ? plotWidth : (t - t0) / (t1 - t0) * plotWidth);
    const y = v => top + plotHeight - v / scale * plotHeight;

    // Grid and value axis.
    g.strokeStyle = '#e3e7ee';
    g.fillStyle = '#667085';
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (let k = 0; k <= 4; k++) {
      const v = scale * k / 4;
      const yy = Math.round(y(v)) + 0.5;
      g.beginPath();
      g.moveTo(left, yy);
      g.lineTo(left + plotWidth, yy);
      g.stroke();
      g.fillText(formatValue(v) + this.options.unit, left - 4, yy);
    }
    // Time axis: seconds before the newest point.
    g.textAlign = 'center';
    g.textBaseline = 'top';
    for (let k = 0; k <= 4; k++) {
      const t = t0 + (t1 - t0) * k / 4;
      g.fillText(k === 4 ? 'now' : '-' + Math.round((t1 - t) / 1000) + ' s', x(t), top + plotHeight + 4);
    }

    if (stacked) {
      const barWidth = Math.max(1, plotWidth / Math.max(1, times.length) - 1);
      for (let i = 0; i < times.length; i++) {
        let base = 0;
        values.forEach((series, s) => {
          const v = series[i];
          if (v) {
            g.fillStyle = this.options.series[s].color;
            g.fillRect(x(times[i]) - barWidth, y(base + v), barWidth, y(base) - y(base + v));
            base += v;
          }
        });
      }
    } else {
      g.lineWidth = 1.5;
      values.forEach((series, s) => {
        g.strokeStyle = this.options.series[s].color;
        g.beginPath();
        let pen = false;
        for (let i = 0; i < times.length; i++) {
          const v = series[i];
          if (v == null || !isFinite(v)) {
            pen = false;
            continue;
          }
          if (pen) {
            g.lineTo(x(times[i]), y(v));
          } else {
            g.moveTo(x(times[i]), y(v));
            pen = true;
          }
        }
        g.stroke();
      });
    }

    // Legend, with each series' newest value.
    g.textAlign = 'left';
    g.textBaseline = 'top';
    let lx = left;
    this.options.series.forEach((series, s) => {
      const last = lastValue(values[s]);
      const label = series.name + (last == null ? '' : ' ' + formatValue(last) + this.options.unit);
      g.fillStyle = series.color;
      g.fillRect(lx, 6, 10, 10);
      g.fillStyle = '#1d2430';
      g.fillText(label, lx + 14, 5);
      lx += g.measureText(label).width + 28;
    });
    if (!times.length) {
      g.fillStyle = '#667085';
      g.textAlign = 'center';
      g.fillText('waiting for the first step', left + plotWidth / 2, top + plotHeight / 2);
    }
  }
}

function niceMax(max) {
  if (!(max > 0)) {
    return 1;
  }
  const power = Math.pow(10, Math.floor(Math.log10(max)));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= max) {
      return step * power;
    }
  }
  return 10 * power;
}

function formatValue(v) {
  if (v === 0) {
    return '0';
  }
  if (Math.abs(v) >= 100) {
    return String(Math.round(v));
  }
  return String(Number(v.toPrecision(2)));
}

function lastValue(series) {
  for (let i = series.length - 1; i >= 0; i--) {
    if (series[i] != null && isFinite(series[i])) {
      return series[i];
    }
  }
  return null;
}
