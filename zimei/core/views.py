"""Small site-wide endpoints: media files, the script switcher, share counting, QR codes and
error pages."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import DataError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .outage import current_database_error, unavailable_response

IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


@require_GET
def media(request: HttpRequest, path: str) -> FileResponse:
    """Uploaded images, only from the media folder and only as images (never as HTML)."""
    root = Path(settings.MEDIA_ROOT).resolve()
    if "\x00" in path:  # no file name holds NUL; the file system calls would raise ValueError
        raise Http404
    try:
        target = (root / path).resolve()
        content_type = IMAGE_TYPES.get(target.suffix.lower())
        if content_type is None or root not in target.parents or not target.is_file():
            raise Http404
    except (ValueError, OSError):  # a name the file system cannot take (too long, invalid)
        raise Http404 from None
    response = FileResponse(target.open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(
        request, "core/error.html", {"status": status, "title": title, "message": message}, status=status
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "页面不存在", "你要找的页面不存在，可能地址有误。")


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, "没有权限", "你没有权限访问这个页面。")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent):
        return _error(
            request,
            400,
            "提交的内容太大",
            "提交的内容超过了允许的大小。请返回上一页，删减后再提交；图片请单独上传。",
        )
    return _error(request, 400, "请求有误", "请求无法处理，请检查后重试。")


class UnstorableTextMiddleware:
    """The safety net behind `control_characters_check`: a NUL character in any field the
    services do not check reaches PostgreSQL, which refuses it (DataError). Answer that
    with a 400 page saying what to do (the typed text is still on the previous page), never a
    500. SQLite stores NUL, so there is nothing to catch there."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ValueError | DataError) and "NUL (0x00)" in str(exception):
            return _error(
                request,
                400,
                "提交的内容无法保存",
                "提交的文字里有无法保存的控制字符（常见于从别处粘贴的文字）。请返回上一页，删去后再提交。",
            )
        return None


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(
        request,
        403,
        "页面已过期",
        "为了安全，这个表单需要重新打开。请返回上一页，刷新后再提交；你输入的内容仍在上一页。",
    )


def server_error(request: HttpRequest) -> HttpResponse:
    lost = current_database_error()  # raised outside a view (a middleware, the lazy user)
    if lost is not None:
        return unavailable_response(request, lost)
    return _error(request, 500, "出错了", "服务器出了点问题，我们会尽快修复。")
