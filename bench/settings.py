"""Settings for bench/api.py: the service's own settings plus one benchmark-only URL.

Kept out of dealscout/settings.py so that production never serves the bare view.
"""

from dealscout.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
