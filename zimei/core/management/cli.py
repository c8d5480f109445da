"""Helpers shared by the operator commands (`zimei creator`, `user`, `token`, `article`, `export`)."""

from __future__ import annotations

import sys

from django.core.management.base import CommandError

from zimei.core.errors import InputError


def read_password(options: dict, command: str) -> str:
    """The password given on standard input (its first line), for --password-stdin."""
    if not options.get("password_stdin"):
        raise CommandError(
            f"give the password on standard input with --password-stdin, e.g.\n"
            f"  printf '%s\\n' \"$PASSWORD\" | zimei {command} --password-stdin"
        )
    stdin = sys.stdin
    if stdin is None or stdin.closed or stdin.isatty():
        raise CommandError("--password-stdin: nothing on standard input; pipe the password in")
    password = stdin.readline().rstrip("\r\n")
    if not password:
        raise CommandError("--password-stdin: the password on standard input is empty")
    return password


def input_error(exc: InputError, labels: dict[str, str]) -> CommandError:
    """A CommandError listing a service's InputError, one line per message, named by option."""
    lines = []
    for field, messages in exc.errors.items():
        label = labels.get(field, field or "error")
        lines.extend(f"{label}: {message}" for message in messages)
    return CommandError("\n".join(lines))
