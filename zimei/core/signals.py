"""Signals of the serving and operating machinery that domain apps subscribe to, so that core
(the base layer) calls into no domain app."""

from __future__ import annotations

from django.dispatch import Signal

# Sent in each `zimei serve` worker once the application is built (no arguments). The view
# counters start their background flush and their flush at exit here (distribution).
worker_ready = Signal()

# Sent after a restore replaced the data (no arguments): whatever was computed from the old
# data and kept outside the database (hot lists, channel boxes) is dropped (distribution).
data_restored = Signal()
