"""The share buttons (counted, then on to the service's share page or a mail) and the QR code
of an article's address."""

from __future__ import annotations

import io
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import translation
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from zimei.articles.models import Article
from zimei.conversion.variants import HANS, VARIANTS, field_suffix

from .shares import share_record

SHARE_TARGETS = ("link", "wechat", "weibo", "qq", "email")


class _MailtoRedirect(HttpResponseRedirect):
    allowed_schemes = ["mailto"]


def _share_target_url(article: Article, target: str, variant: str) -> str:
    """Where a share button leads after it is counted: the service's share page, or a mail in
    the reader's script (title, summary and link of the page they read)."""
    title = article.in_variant("title", variant) or article.title
    summary = article.in_variant("summary", variant)
    page = settings.SITE_URL + article.get_absolute_url(variant)
    if target == "weibo":
        return "https://service.weibo.com/share/share.php?" + urlencode({"url": page, "title": title})
    if target == "qq":
        query = urlencode({"url": page, "title": title, "summary": summary, "desc": summary})
        return "https://connect.qq.com/widget/shareqq/index.html?" + query
    # email (RFC 6068: percent-encoded, line breaks as %0D%0A)
    body = "\r\n\r\n".join(part for part in (summary, page) if part)
    return f"mailto:?subject={quote(title, safe='')}&body={quote(body, safe='')}"


@csrf_exempt  # a counter, reached from cached anonymous pages that carry no CSRF token
@require_POST
def share(request: HttpRequest, article_id: int, target: str) -> HttpResponse:
    """Count one share (one per click: every button is one POST; one per reader per article per
    30 minutes, a few per address: distribution/guard.py), then, for Weibo, QQ and email, go on
    to the share page or the mail (303). Copy link and WeChat answer 204. Too many shares from
    one address: the 429 page (ZIMEI_RATE_SHARE)."""
    if target not in SHARE_TARGETS:
        raise Http404
    article = (
        Article.objects.filter(id=article_id, status=Article.Status.PUBLISHED)
        .only("id", "title", *(f"{f}_{field_suffix(v)}" for f in ("title", "summary") for v in VARIANTS))
        .first()
    )
    if article is None:
        raise Http404
    share_record(article_id=article.id, target=target, meta=request.META)
    if target in ("link", "wechat"):
        return HttpResponse(status=204)
    variant = request.POST.get("v") or request.GET.get("v") or translation.get_language()
    if variant not in VARIANTS:
        variant = HANS
    to = _share_target_url(article, target, variant)
    redirect = _MailtoRedirect if target == "email" else HttpResponseRedirect
    return redirect(to, status=303)


@require_GET
@cache_control(public=True, max_age=86400)
def qr_code(request: HttpRequest, article_id: int) -> HttpResponse:
    """A QR code of the article's address, for sharing to WeChat from a phone."""
    variant = request.GET.get("v", HANS)
    if variant not in VARIANTS:
        variant = HANS
    url = settings.SITE_URL + Article(pk=article_id).get_absolute_url(variant)
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=4, dark="#111", light="#fff", xmldecl=False)
    return HttpResponse(buf.getvalue(), content_type="image/svg+xml")
