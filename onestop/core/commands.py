"""Helpers for operations commands: a domain refusal becomes a clear message and exit code 2."""

from __future__ import annotations

from django.core.management.base import CommandError

from onestop.core.errors import DomainError, ValidationFailed


def command_error(exc: DomainError) -> CommandError:
    problems = exc.errors if isinstance(exc, ValidationFailed) else [exc]
    lines = [
        f"--{p.field.replace('_', '-')}: {p.message}" if p.field else p.message for p in problems
    ]
    return CommandError("\n".join(lines), returncode=2)
