import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")

from zimei.core.pagecache import PageCacheApp
from zimei.distribution.beacon import BeaconApp

# A server running this application should also start the view counters' background flush in
# each worker process (`zimei serve` does: zimei.distribution.counters.flush_in_background), so
# views reach the hot list within FLUSH_SECONDS even on a quiet site.
# The view beacon and page-store hits are answered before Django builds a request.
application = BeaconApp(PageCacheApp(get_wsgi_application()))
