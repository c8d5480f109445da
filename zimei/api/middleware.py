"""Problem details for the answers Django and ninja give before the API's own handlers run:
a wrong method (405) and the bare /api/v1/ root (404)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from zimei.core.problems import MEDIA_TYPE, Problem, problem_response

PREFIX = "/api/"
DETAILS = {
    404: "No such resource. The API's operations are listed at /api/v1/docs.",
    405: "This method is not allowed here.",
}


class ApiProblemMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(PREFIX)
            and response.status_code in DETAILS
            and not response.get("Content-Type", "").startswith(MEDIA_TYPE)
        ):
            problem = problem_response(Problem(response.status_code, DETAILS[response.status_code]))
            if response.has_header("Allow"):
                problem["Allow"] = response["Allow"]
            return problem
        return response
