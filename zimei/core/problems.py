"""RFC 9457 problem details: every error the API answers is one of these."""

from __future__ import annotations

import json

from django.http import HttpResponse

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """Raised anywhere in the API to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        message: str = "",
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.message = message
        self.errors = errors or []
        self.headers = headers or {}


def problem_response(problem: Problem) -> HttpResponse:
    body = {
        "type": "about:blank",  # RFC 9457: the status code says it all; title is its phrase
        "title": TITLES.get(problem.status, "Error"),
        "status": problem.status,
        "detail": problem.detail,
        "errors": problem.errors,
    }
    if problem.message:
        body["message"] = problem.message  # in Simplified, for the creator to read
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=problem.status, content_type=MEDIA_TYPE
    )
    for name, value in problem.headers.items():
        response[name] = value
    return response
