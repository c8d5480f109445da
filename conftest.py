"""Fixtures shared by the whole suite (the environment is set in tests/testenv.py)."""

from collections.abc import Iterator

import pytest

from tests.browser import chromium, page  # noqa: F401  (the browser fixtures, one per session)


@pytest.fixture(autouse=True, scope="session")
def _static_files_listed_once() -> Iterator[None]:
    """WhiteNoise lists every static file the finders know, with its headers, each time its
    middleware is made: once per test client (a role-matrix test makes one per role and method),
    40 ms each. The listing is the same for the whole run (nothing adds or edits static files
    during the suite), so each client is given a copy of the first one made with the same
    settings; STATIC_ROOT's files are still listed per client, as before."""
    from django.conf import settings
    from whitenoise.middleware import WhiteNoiseMiddleware

    listed: dict[tuple, dict] = {}
    original = WhiteNoiseMiddleware.add_files_from_finders

    def add_files_from_finders(self: WhiteNoiseMiddleware) -> None:
        # Whatever the listing and its headers depend on.
        key = (
            self.static_prefix,
            self.max_age,
            self.allow_all_origins,
            self.charset,
            self.add_headers_function,
            repr(
                [
                    (n, getattr(settings, n, None))
                    for n in dir(settings)
                    if n.startswith(("STATIC", "WHITENOISE"))
                ]
            ),
            repr(settings.INSTALLED_APPS),
            repr(settings.STORAGES),
        )
        if key not in listed:
            before = dict(self.files)
            original(self)
            listed[key] = {url: f for url, f in self.files.items() if before.get(url) is not f}
        self.files.update(listed[key])

    WhiteNoiseMiddleware.add_files_from_finders = add_files_from_finders
    yield
    WhiteNoiseMiddleware.add_files_from_finders = original


@pytest.fixture(autouse=True)
def _fresh_caches(settings):
    """Every test starts with empty caches; passwords hash fast."""
    from django.core.cache import caches

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from zimei.core.pagecache import page_store

    for alias in ("default", "pages", "ratelimit"):
        caches[alias].clear()
    page_store().clear()
    from zimei.distribution.counters import discard

    discard()
    yield
    for alias in ("default", "pages", "ratelimit"):
        caches[alias].clear()
    page_store().clear()
