"""Every Prometheus metric of the service, declared once, with its help text.

Label values come from small fixed sets (route templates, marketplace slugs,
statuses, channel names), never from user input.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

# The *_created series double the exposition and no dashboard or rule reads them.
disable_created_metrics()

http_requests_total = Counter(
    "http_requests_total", "HTTP requests answered, by method, route template and status.", ["method", "endpoint", "status"]
)
# Fewer buckets than the default 15: every bucket is a series per route template in every
# worker's file, and these still place the 500 ms objective and the 1 s alert exactly.
HTTP_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
http_request_duration_seconds = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "endpoint"],
    buckets=HTTP_BUCKETS,
)
tasks_total = Counter("tasks_total", "django-q2 tasks finished, by task name and status.", ["task_name", "status"])
task_duration_seconds = Histogram("task_duration_seconds", "Time a django-q2 task ran, by task name.", ["task_name"])
marketplace_scrapes_total = Counter(
    "marketplace_scrapes_total", "Fetches of a marketplace, by ScrapeRun status.", ["marketplace", "status"]
)
marketplace_listings_scraped_total = Counter("marketplace_listings_scraped_total", "Listings read from a marketplace.", ["marketplace"])
marketplace_scrape_duration_seconds = Histogram(
    "marketplace_scrape_duration_seconds", "Time to fetch, parse and store one query.", ["marketplace"]
)
alerts_created_total = Counter("alerts_created_total", "Alerts created, by channel and kind.", ["channel", "kind"])
alerts_sent_total = Counter("alerts_sent_total", "Alert delivery attempts, by channel and outcome.", ["channel", "status"])
alert_delivery_delay_seconds = Histogram(
    "alert_delivery_delay_seconds",
    "Time from a listing's first sighting to its alert's delivery.",
    ["channel"],
    buckets=(5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400),
)
dispatch_claimed_total = Counter("dispatch_claimed_total", "Due searches claimed by the dispatcher (searches.services.dispatch_due).")
dispatch_duration_seconds = Histogram(
    "dispatch_duration_seconds",
    "Time one dispatch_due run spent claiming, grouping and queueing (its budget is 40 s of a 60 s tick).",
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 20, 30, 40, 60),
)
dispatch_enqueue_seconds = Histogram(
    "dispatch_enqueue_seconds",
    "Time one dispatch_due run spent queueing its scouts (counted against its budget).",
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 20, 40),
)
dispatch_scouts_ahead_total = Counter(
    "dispatch_scouts_ahead_total",
    "Scouts queued at the head of the workers' queue: due before the queue's tail (searches.queue_order; Redis broker).",
)
dispatch_watchdog_runs_total = Counter(
    "dispatch_watchdog_runs_total", "Dispatches the default cluster ran itself because no dispatch cluster fired the schedule."
)
records_purged_total = Counter("records_purged_total", "Rows deleted by the retention purge, by kind.", ["kind"])

# Set in each process while it answers; summed over the live processes only.
http_requests_in_progress = Gauge("http_requests_in_progress", "HTTP requests being answered now.", ["method"], multiprocess_mode="livesum")
operation_duration_seconds = Histogram(
    "operation_duration_seconds", "Time spent in a function decorated with monitoring.timed_operation.", ["operation", "status"]
)

# Computed at scrape time by monitoring.collectors (a query, cached briefly), not stored
# per process: listed here so that one module names every metric of the service.
SCRAPE_TIME_GAUGES = {
    "task_queue_depth": "Tasks waiting in the django-q2 broker.",
    "task_failures_last_hour": "django-q2 tasks that failed in the last hour.",
    "qcluster_workers": "Worker processes of the django-q2 clusters that reported in the last minute.",
    "qcluster_clusters": "django-q2 clusters that reported in the last minute.",
    "database_connections_total": "Open connections to the database (PostgreSQL: server-wide for our database).",
    "database_connections_max": "The database server's connection limit (PostgreSQL only).",
    "system_cpu_used_ratio": "CPU in use on the machine or container, 0 to 1.",
    "system_memory_used_ratio": "Memory in use against the container's limit (cgroup v2), or the machine's, 0 to 1.",
    "system_memory_used_bytes": "Memory in use in the container (cgroup v2) or on the machine.",
    "system_disk_used_ratio": "Disk space in use where the application lives, 0 to 1.",
}
# Business gauges that the domain apps register in their monitoring_hooks.py.
