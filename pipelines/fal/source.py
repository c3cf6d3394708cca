"""Where the client talks to: a dialect, a base URL and a secret, checked before any request."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from pipelines.fal.errors import FalConfigError

Dialect = Literal["fal", "lowcodeapi"]
DIALECTS: tuple[Dialect, ...] = ("fal", "lowcodeapi")


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Source:
    """One API endpoint to read from.

    ``name`` is what the user chose (``fal``, ``lowcodeapi`` or ``simulator``); ``dialect`` is the
    set of paths and parameters spoken there. The secret never appears in ``repr``.
    """

    name: str
    dialect: Dialect
    base_url: str
    secret: str = field(repr=False)

    def __post_init__(self) -> None:
        if self.dialect not in DIALECTS:
            raise FalConfigError(f"unknown dialect {self.dialect!r}; expected one of {DIALECTS}")
        if not self.secret:
            hint = "FAL_KEY" if self.dialect == "fal" else "LOWCODEAPI_TOKEN"
            raise FalConfigError(f"no credential for the {self.name!r} source: set {hint}")
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FalConfigError(f"base URL {self.base_url!r} is not an http(s) URL")
        if parts.scheme == "http" and not is_loopback_host(parts.hostname):
            raise FalConfigError(
                f"refusing plain http:// for non-loopback host {parts.hostname!r}: use https://"
            )
        if parts.query:
            raise FalConfigError("the base URL must not carry a query string")
