"""The reader's address behind a front cache or load balancer.

Behind nginx every request comes from nginx's address, so view counting (one view per reader
per article: distribution/counters.py) and the per-address rate limits (core/ratelimit.py)
would see one reader. Proxies say who they talked to in X-Forwarded-For; anyone can send that
header, though, so it is read only when the request's direct peer is a proxy the operator named
in ZIMEI_TRUSTED_PROXIES. Then the list is read from the right (each proxy appends the address
it saw) past the trusted proxies: the first address that is not one of them is the reader's.
Whatever a client wrote further left is never believed.

X-Forwarded-Proto (https ended at the proxy) is believed from trusted peers only as well:
`ProxyHeadersMiddleware`, in the middleware chain only when ZIMEI_TRUSTED_PROXIES is set, drops
it from other peers' requests, and SECURE_PROXY_SSL_HEADER reads it (zimei/settings.py).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=1)
def trusted_networks() -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in settings.ZIMEI_TRUSTED_PROXIES)


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs) -> None:
    if setting == "ZIMEI_TRUSTED_PROXIES":
        trusted_networks.cache_clear()


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def is_trusted(address: str) -> bool:
    networks = trusted_networks()
    if not networks:
        return False
    parsed = _address(address)
    return parsed is not None and any(parsed in net for net in networks)


def client_ip(meta: Mapping[str, str]) -> str:
    """The reader's address for this request (a WSGI environ or request.META): the direct
    peer's, or, when the peer is a trusted proxy, the last address in X-Forwarded-For that is
    not a trusted proxy."""
    peer = meta.get("REMOTE_ADDR") or ""
    if not peer or not is_trusted(peer):
        return peer
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    client = peer
    for hop in reversed(hops):
        parsed = _address(hop)
        if parsed is None:  # not an address: nothing a trusted proxy wrote; stop at the last good one
            break
        client = str(parsed)
        if not is_trusted(client):
            break
    return client


class ProxyHeadersMiddleware:
    """Drops X-Forwarded-Proto from requests whose peer is not a trusted proxy, so that
    SECURE_PROXY_SSL_HEADER believes only the proxy (in the chain when ZIMEI_TRUSTED_PROXIES is
    set)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "HTTP_X_FORWARDED_PROTO" in request.META and not is_trusted(request.META.get("REMOTE_ADDR", "")):
            del request.META["HTTP_X_FORWARDED_PROTO"]
        return self.get_response(request)
