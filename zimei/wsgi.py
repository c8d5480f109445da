import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")

from zimei.core.pagecache import PageCacheApp
from zimei.distribution.counters import flush_in_background

application = PageCacheApp(get_wsgi_application())
flush_in_background()  # views reach the hot list within FLUSH_SECONDS even on a quiet site
