"""搜索 in the desk: one query over articles (any status an editor sees, by title, author or
id), creators (pen name, username, id), readers' reports and the audit log, a tab each with
its count. Editors only; read-only. Every list is the database's own, matched in either script
(search/selectors.py text_condition; docs/search.md, "In the desk")."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest

from zimei.moderation.selectors import audit_matching, reports_matching
from zimei.search.selectors import articles_matching_for_editor, creators_matching
from zimei.search.text import parse

from .actions import DeskPage

PER_PAGE = 50
TABS = {
    "articles": articles_matching_for_editor,
    "creators": creators_matching,
    "reports": reports_matching,
    "audit": audit_matching,
}


class SearchPage(DeskPage):
    template_name = "desk/search.html"

    def context(self, request: HttpRequest, **kwargs) -> dict:
        query = parse(request.GET.get("q", ""))
        tab = request.GET.get("tab", "")
        context: dict = {"query": query, "q": query.text, "tab": tab if tab in TABS else "articles"}
        context["desk_q"] = query.text  # kept in the box every desk page has (_nav.html)
        if query.empty:
            return context
        lists = {name: select(query) for name, select in TABS.items()}
        context["counts"] = {name: qs.count() for name, qs in lists.items()}
        if tab not in TABS:  # the first tab with something in it
            tab = next((name for name in TABS if context["counts"][name]), "articles")
            context["tab"] = tab
        paginator = Paginator(lists[tab], PER_PAGE)
        paginator.count = context["counts"][tab]  # counted above: not counted again
        context["page"] = paginator.get_page(request.GET.get("page"))
        context["keep"] = urlencode({"q": query.text, "tab": tab})
        return context


search = SearchPage.as_view()
