"""Who may use the desk: editors (and admins) only."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def editor_only(view: Callable) -> Callable:
    """Anonymous: to the login page; anyone but an editor: 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_editor:
            return render(request, "desk/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
