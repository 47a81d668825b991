"""Every Prometheus metric of the service, declared once, with its help text.

Label values come from small fixed sets (route templates, marketplace slugs,
statuses, channel names), never from user input.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

http_requests_total = Counter(
    "http_requests_total", "HTTP requests answered, by method, route template and status.", ["method", "endpoint", "status"]
)
http_request_duration_seconds = Histogram(
    "http_request_duration_seconds", "Time to answer an HTTP request, by method and route template.", ["method", "endpoint"]
)
tasks_total = Counter("tasks_total", "django-q2 tasks finished, by task name and status.", ["task_name", "status"])
task_duration_seconds = Histogram("task_duration_seconds", "Time a django-q2 task ran, by task name.", ["task_name"])
marketplace_scrapes_total = Counter(
    "marketplace_scrapes_total", "Fetches of a marketplace, by ScrapeRun status.", ["marketplace", "status"]
)
marketplace_listings_scraped_total = Counter(
    "marketplace_listings_scraped_total", "Listings read from a marketplace.", ["marketplace"]
)
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
records_purged_total = Counter("records_purged_total", "Rows deleted by the retention purge, by kind.", ["kind"])
