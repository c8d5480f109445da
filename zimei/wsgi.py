import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")

from zimei.core.pagecache import PageCacheApp

application = PageCacheApp(get_wsgi_application())
