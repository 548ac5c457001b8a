"""Prometheus metrics: request latency, queue lengths and waits, job heartbeats."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

REQUEST_LATENCY = Histogram(
    "birtereze_http_request_seconds",
    "HTTP request latency by route",
    ["method", "route", "status"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)
QUEUE_LENGTH = Gauge(
    "birtereze_queue_waiting_tickets", "Tickets waiting per queue", ["branch", "queue"], registry=REGISTRY
)
QUEUE_LONGEST_WAIT = Gauge(
    "birtereze_queue_longest_wait_seconds",
    "Longest current wait per queue",
    ["branch", "queue"],
    registry=REGISTRY,
)
QUEUE_MEAN_WAIT = Gauge(
    "birtereze_queue_mean_wait_seconds",
    "Mean current wait per queue",
    ["branch", "queue"],
    registry=REGISTRY,
)
OPEN_ALERTS = Gauge("birtereze_open_alerts", "Normative alerts open", ["branch", "kind"], registry=REGISTRY)
LIVE_SUBSCRIBERS = Gauge(
    "birtereze_live_subscribers", "Event-stream subscribers in this process", registry=REGISTRY
)
JOB_HEARTBEAT = Gauge(
    "birtereze_job_last_run_timestamp", "When each periodic job last ran", ["job"], registry=REGISTRY
)
EVENTS_PUBLISHED = Counter("birtereze_live_events_published", "Live events published", registry=REGISTRY)
