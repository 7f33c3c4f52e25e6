from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# A web process runs several request threads (gunicorn -k gthread). When one of them is busy in
# Python (rendering a page, a PDF), a thread whose database answer has arrived waits for the GIL
# until the busy one is made to let go: Python's default switch interval, 5 ms, per database round
# trip, and a page makes 6 to 12 of them. Measured on 2 cores: +7.5 ms per round trip at 5 ms,
# +0.7 ms at 0.5 ms (docs/operations.md, "Web processes"). Only web processes: set here, not in settings.
if settings.WEB_SWITCH_INTERVAL_US:
    sys.setswitchinterval(settings.WEB_SWITCH_INTERVAL_US / 1_000_000)
