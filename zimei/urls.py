from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic.base import RedirectView

from zimei.accounts.forms import AdminLoginForm
from zimei.api.api import api
from zimei.conversion import views as conversion_views
from zimei.core import views as core_views
from zimei.distribution import beacon, sitemaps
from zimei.distribution import views as distribution_views
from zimei.reader import urls as reader_urls
from zimei.reader import views as reader_views

admin.site.login_form = AdminLoginForm  # the sign-in lockout covers the admin's login too

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("media/<path:path>", core_views.media, name="media"),
    path("switch/<str:variant>/", conversion_views.variant_switch, name="variant-switch"),
    path("share/<int:article_id>/<str:target>/", distribution_views.share, name="share"),
    path("qr/<int:article_id>.svg", distribution_views.qr_code, name="qr"),
    # The view beacon (distribution/beacon.py; under `zimei serve` BeaconApp answers these first).
    path("views/<int:article_id>/", beacon.beacon_post, name="view-beacon"),
    path("views/<int:article_id>.gif", beacon.beacon_gif, name="view-beacon-gif"),
    # Clients that look for /favicon.ico without reading the page (feed readers, bookmarks) get
    # the mark every page links as its icon.
    path("favicon.ico", RedirectView.as_view(url="/static/zimei/mark.svg", permanent=True), name="favicon"),
    path("robots.txt", sitemaps.robots_txt, name="robots"),
    path("opensearch.xml", reader_views.opensearch, name="opensearch"),
    path("sitemap.xml", sitemaps.sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap_section, name="sitemap-section"),
    path("news-sitemap.xml", sitemaps.news_sitemap, name="news-sitemap"),
]

urlpatterns += i18n_patterns(
    path("care/", include((reader_urls.urlpatterns, "reader"), namespace="care"), {"care": True}),
    path("accounts/", include("zimei.accounts.urls")),
    path("studio/", include("zimei.studio.urls")),
    path("desk/", include("zimei.desk.urls")),
    path("", include((reader_urls.urlpatterns, "reader"), namespace="reader")),
    prefix_default_language=True,
)

handler404 = "zimei.core.views.not_found"
handler500 = "zimei.core.views.server_error"
handler403 = "zimei.core.views.forbidden"
handler400 = "zimei.core.views.bad_request"
