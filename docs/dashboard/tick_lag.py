#!/usr/bin/env python3
"""Sender tick lag and RTT percentiles of a running resource manager over a window.

Reads GET /metrics twice, DURATION seconds apart, and interpolates the percentiles of the difference of
the histograms within their buckets (as Prometheus' histogram_quantile does).

usage: tick_lag.py REST_BASE_URL DURATION_SECONDS LABEL
"""
import re
import sys
import time
import urllib.request


def scrape(base):
    text = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
    values = {}
    for line in text.splitlines():
        m = re.match(r'^(\w+)(\{[^}]*\})? (\S+)$', line)
        if m:
            values[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return values


def buckets(values, name):
    result = []
    for (metric, labels), v in values.items():
        if metric == name + "_bucket":
            le = re.search(r'le="([^"]+)"', labels).group(1)
            result.append((float("inf") if le == "+Inf" else float(le), v))
    return sorted(result)


def quantile(before, after, name, q):
    b0 = dict(buckets(before, name))
    delta = [(le, count - b0.get(le, 0)) for le, count in buckets(after, name)]
    total = delta[-1][1]
    if total == 0:
        return float("nan"), 0
    rank = q * total
    lower, below = 0.0, 0.0
    for le, cumulative in delta:
        if cumulative >= rank:
            if le == float("inf"):
                return lower, total
            inside = cumulative - below
            return lower + (le - lower) * ((rank - below) / inside if inside else 1), total
        lower, below = le, cumulative
    return lower, total


def main():
    base, seconds, label = sys.argv[1].rstrip("/"), float(sys.argv[2]), sys.argv[3]
    before = scrape(base)
    time.sleep(seconds)
    after = scrape(base)
    lag = "pulse_sender_tick_lag_seconds"
    rtt = "pulse_heartbeat_rtt_seconds"
    p50, ticks = quantile(before, after, lag, 0.50)
    p99, _ = quantile(before, after, lag, 0.99)
    p999, _ = quantile(before, after, lag, 0.999)
    r50, beats = quantile(before, after, rtt, 0.50)
    r99, _ = quantile(before, after, rtt, 0.99)
    lost = sum(v for (m, _), v in after.items() if m == "pulse_task_executors_lost_total") - sum(
        v for (m, _), v in before.items() if m == "pulse_task_executors_lost_total")
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(f"{label}: {seconds:.0f} s, ticks {ticks:.0f}, tick lag p50 {p50 * 1e3:.2f} ms p99 {p99 * 1e3:.2f} ms "
          f"p99.9 {p999 * 1e3:.2f} ms; heartbeats {beats:.0f} ({beats / seconds:.0f}/s), RTT p50 {r50 * 1e3:.2f} ms "
          f"p99 {r99 * 1e3:.2f} ms; losses {lost:.0f}; load {load}")


if __name__ == "__main__":
    main()
