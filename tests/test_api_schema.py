"""schemathesis against /api/v1/openapi.json, inside the suite: every operation gets a bounded
number of generated requests (valid and invalid, against real and unknown ids, with and without
a token); no answer may be a 500 and every answer must match the document."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from zimei.accounts.services import token_create
from zimei.articles.services import ArticleInput, article_create

from .factories import creator, published_article

pytestmark = pytest.mark.django_db

EXAMPLES = {"random ids": 40, "real ids": 40, "invalid": 25}  # per operation


@pytest.fixture
def api_schema(settings):
    settings.ZIMEI_API_RATE_READ = 0
    settings.ZIMEI_API_RATE_WRITE = 0
    # As Django's test client does: requests must not close the test's database connection
    # (inside the test transaction, PostgreSQL's would count as unusable and be closed).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_every_operation_survives_generated_requests(api_schema):
    author = creator(channel="tech", pen_name="林间笔记")
    article = published_article(author)
    draft = article_create(
        author=author, data=ArticleInput(title="草稿", body_html="<p>草稿</p>", channel="tech")
    )
    _, token = token_create(user=author.user)
    real_ids = {"article_id": [article.id, draft.id], "author_id": [author.id]}
    summary = {"operations": 0, "examples": 0, "failures": [], "no invalid input": []}

    def exercise(operation, mode: str) -> None:
        path_params = {}
        if mode == "real ids":
            names = [p.name for p in operation.path_parameters]
            if not names:
                return
            path_params = {
                name: real_ids[name][summary["operations"] % len(real_ids[name])] for name in names
            }
        generation = GenerationMode.NEGATIVE if mode == "invalid" else GenerationMode.POSITIVE

        @given(case=operation.as_strategy(generation, path_parameters=path_params or None))
        @settings(
            max_examples=EXAMPLES[mode],
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            summary["examples"] += 1
            # Mostly as the author; every fourth request as whatever the generator sent.
            headers = {"Authorization": f"Bearer {token}"} if summary["examples"] % 4 else {}
            try:
                case.call_and_validate(
                    headers=headers, checks=[not_a_server_error, response_schema_conformance]
                )
            except Exception as exc:
                summary["failures"].append(f"{operation.label} ({mode}): {exc}")
                raise

        try:
            run()
        except Unsatisfiable:
            if mode != "invalid":
                raise
            summary["no invalid input"].append(operation.label)  # nothing to get wrong

    for result in api_schema.get_all_operations():
        operation = result.ok()
        summary["operations"] += 1
        for mode in EXAMPLES:
            exercise(operation, mode)

    print(
        f"\nschemathesis: {summary['operations']} operations, {summary['examples']} examples, "
        f"{len(summary['failures'])} failures; no invalid input possible for {summary['no invalid input']}"
    )
    assert summary["operations"] >= 12
    assert not summary["failures"]
