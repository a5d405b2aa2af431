"""What a person typed in a form, and what is wrong with it, field by field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import request

from web import messages


class FormInvalid(Exception):
    """A form has errors: leave the transaction (rolling it back) and show the form again."""


@dataclass
class Form:
    """The values typed (to show them again) and one error message per field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_request(cls, names: Iterable[str]) -> Form:
        """Read the named fields of the posted form."""
        return cls({name: clean(request.form.get(name, "")) for name in names})

    @property
    def ok(self) -> bool:
        """Tell whether every field passed its checks."""
        return not self.errors

    def value(self, name: str) -> str:
        """Return what was typed in a field, trimmed."""
        return self.values.get(name, "").strip()

    def checked(self, name: str) -> bool:
        """Tell whether a checkbox was ticked."""
        return bool(self.values.get(name))

    def fail(self, name: str, message: str) -> None:
        """Mark a field as wrong, keeping its first message."""
        self.errors.setdefault(name, message)

    def raise_if_invalid(self) -> None:
        """Raise FormInvalid when any field has an error."""
        if self.errors:
            raise FormInvalid()

    def require(self, *names: str) -> None:
        """Mark each empty field as required."""
        for name in names:
            if not self.value(name):
                self.fail(name, messages.REQUIRED)

    def limit(self, name: str, length: int) -> None:
        """Mark a field that is longer than a limit."""
        typed = len(self.value(name))
        if typed > length:
            self.fail(name, messages.TOO_LONG.format(limit=length, length=typed))


def clean(raw: str) -> str:
    """Drop NULs (PostgreSQL refuses them) and the CR that browsers put before each LF."""
    return raw.replace("\x00", "").replace("\r\n", "\n")


def parse_int(raw: str) -> int | None:
    """Return a positive whole number typed in ASCII digits, or None."""
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        return None
    return int(raw) or None
