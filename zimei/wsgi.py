import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")

# Django first (it sets up the app registry), then the two WSGI layers in front of it, whose
# modules read models: the view beacon and page-store hits are answered before Django builds a
# request. `zimei serve` also starts the view counters' flushing in each worker (the
# worker_ready signal: distribution/receivers.py), so views reach the hot list within
# ZIMEI_VIEW_FLUSH_SECONDS even on a quiet site.
django_application = get_wsgi_application()

from zimei.core.pagecache import PageCacheApp  # noqa: E402  (after the app registry is ready)
from zimei.distribution.beacon import BeaconApp  # noqa: E402

application = BeaconApp(PageCacheApp(django_application))
