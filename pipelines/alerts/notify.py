"""Send each unsent crossing (``pipelines.alerts.crossings``) once to every notification target.

Targets are apprise URLs from ``FALCOST_NOTIFY`` (and ``FALCOST_ALERT_URLS``), separated by
whitespace or commas: ``slack://…``, ``mailto://…``, ``json://host:port/path`` (a generic JSON
webhook), or any other apprise scheme.

Once per crossing and target: a message is sent, and only when the target accepted it are its
crossings recorded in ``meta.alerts_sent``, in a transaction of their own right after the send.
So a re-run sends nothing again, and a failed send is not recorded: it is logged as a warning
and retried on the next run (the run itself succeeds). After a target's first failure this run
sends it nothing more; its other alerts wait for the next run too. A process killed between a
send and its record would send that one message again: a message can be un-sent by no one, so
at-least-once is the safe side.

Apprise URLs hold tokens: a URL is never logged, stored or put in metadata. A target is named
by its position and service in logs (``target 2 (Slack)``) and by service and apprise's URL
fingerprint in the warehouse; while sending, apprise's and urllib3's log records have every
part of the URLs replaced by ``***``.
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

import apprise
import duckdb
from apprise.utils.parse import parse_urls

from pipelines.alerts.crossings import Alert, Finding, alert, findings
from warehouse.loads import transaction

NOTIFY_ENV = "FALCOST_NOTIFY"
ALERT_URLS_ENV = "FALCOST_ALERT_URLS"
SECRET_ENV = ("FAL_KEY", "LOWCODEAPI_TOKEN")
# loggers that may print a target's URL while sending (apprise at DEBUG, urllib3's requests)
SENDING_LOGGERS = (
    "apprise",
    "requests",
    "urllib3",
    "urllib3.connection",
    "urllib3.connectionpool",
    "urllib3.poolmanager",
    "urllib3.util.retry",
)
MIN_SECRET_LENGTH = 4  # shorter URL parts (a port, "api") are not redacted


class Log(Protocol):
    def info(self, msg: str) -> Any: ...

    def warning(self, msg: str) -> Any: ...


@dataclass(frozen=True)
class Target:
    id: str  # "<service>:<fingerprint>", stored in meta.alerts_sent
    position: str  # "target 2", for logs
    service: Any  # an apprise plugin (NotifyBase)

    @property
    def label(self) -> str:
        return f"{self.position} ({self.service.service_name})"


@dataclass
class Outcome:
    targets: int = 0
    invalid_targets: int = 0
    sent: int = 0  # messages a target accepted this run
    already_sent: int = 0  # messages every crossing of which a target had received before
    failed: int = 0  # messages not delivered (retried next run)
    unsent: int = 0  # messages waiting because no target is set

    def metadata(self) -> dict[str, int]:
        return dict(vars(self))


def notification_urls(env: Mapping[str, str]) -> list[str]:
    """The apprise URLs of ``FALCOST_NOTIFY`` and ``FALCOST_ALERT_URLS``, each once."""
    urls = parse_urls(env.get(NOTIFY_ENV, ""), env.get(ALERT_URLS_ENV, ""))
    return list(dict.fromkeys(url.strip() for url in urls if url.strip()))


def targets(urls: list[str], log: Log) -> tuple[list[Target], int]:
    """Load each URL as an apprise service; warn (without the URL) about those that fail."""
    loaded, invalid = [], 0
    asset = apprise.AppriseAsset(secure_logging=True)
    with redacted_logs(urls), warnings.catch_warnings():
        # apprise loads its plugins on first use; the e-mail one imports the stdlib's imghdr
        # (deprecated since Python 3.11) for PGPy, which apprise shims on 3.13
        warnings.filterwarnings("ignore", "'imghdr' is deprecated", DeprecationWarning)
        for position, url in enumerate(urls, 1):
            service = apprise.Apprise.instantiate(url, asset=asset)
            if service is None:
                invalid += 1
                log.warning(
                    f"{NOTIFY_ENV}: URL {position} (scheme {_scheme(url)!r}) is not a "
                    "notification URL apprise can use; it is skipped"
                )
                continue
            target = Target(_target_id(service, url), f"target {position}", service)
            if target.id not in {t.id for t in loaded}:  # the same service twice: one target
                loaded.append(target)
    return loaded, invalid


def _scheme(url: str) -> str:
    """The URL's scheme when it looks like one (never more of the URL)."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    return scheme if scheme.isalnum() and len(scheme) <= 16 else "?"


def _target_id(service: Any, url: str) -> str:
    ident = service.url_id() or hashlib.sha256(url.encode()).hexdigest()
    return f"{_scheme(url)}:{ident[:12]}"


def _secret_parts(url: str) -> set[str]:
    """Every part of ``url`` that may be a credential: user, password, a host without a dot,
    path segments, query values, fragment (an apprise URL puts tokens in any of them)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:  # not even a URL: the whole string is all there is to hide
        return {url}
    named = "." in host or host == "localhost"  # a real host name; slack:// puts a token there
    pieces = {url, parts.username or "", parts.password or "", "" if named else host}
    pieces |= set(parts.path.split("/")) | {value for _, value in parse_qsl(parts.query)}
    pieces.add(parts.fragment)
    pieces |= {unquote(piece) for piece in pieces}
    return {piece for piece in pieces if len(piece) >= MIN_SECRET_LENGTH}


class _Redact(logging.Filter):
    def __init__(self, secrets: set[str]) -> None:
        super().__init__()
        self.secrets = sorted(secrets, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        message = scrub(record.getMessage(), self.secrets)
        record.msg, record.args = message, ()
        return True


@contextmanager
def redacted_logs(urls: list[str]) -> Iterator[None]:
    """Replace any part of ``urls`` with ``***`` in the records of ``SENDING_LOGGERS``."""
    redact = _Redact(set().union(*(_secret_parts(url) for url in urls)) if urls else set())
    loggers = [logging.getLogger(name) for name in SENDING_LOGGERS]
    for logger in loggers:
        logger.addFilter(redact)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(redact)


def scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def env_secrets(env: Mapping[str, str]) -> list[str]:
    """The credentials in the environment (a whole fal key and its secret half), longest
    first: a message never carries them, whatever a budget name or label holds."""
    found = set()
    for name in SECRET_ENV:
        value = env.get(name, "")
        found |= {value, value.partition(":")[2]}
    return sorted((s for s in found if len(s) >= MIN_SECRET_LENGTH), key=len, reverse=True)


def _sent(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    return {
        (key, target)
        for key, target in con.execute("select alert_key, target from meta.alerts_sent").fetchall()
    }


def _record(con: duckdb.DuckDBPyConnection, message: Alert, target: Target, run_id: str) -> None:
    """Mark ``message``'s crossings sent to ``target`` (one transaction)."""
    at = datetime.now(UTC)
    with transaction(con):
        for crossing in message.crossings:
            con.execute(
                "insert or ignore into meta.alerts_sent by name select $key as alert_key, "
                "$target as target, $kind as kind, $subject as subject, $day as day, "
                "$level as level, $threshold as threshold_usd, $amount as amount_usd, "
                "$title as title, $message as message, $run_id as run_id, $at as sent_at",
                {
                    "key": crossing.key,
                    "target": target.id,
                    "kind": crossing.kind,
                    "subject": crossing.subject,
                    "day": crossing.day,
                    "level": crossing.level,
                    "threshold": crossing.threshold_usd,
                    "amount": crossing.amount_usd,
                    "title": message.title,
                    "message": message.body,
                    "run_id": run_id,
                    "at": at,
                },
            )


def _deliver(target: Target, message: Alert, log: Log) -> bool:
    try:
        return bool(
            target.service.notify(
                body=message.body, title=message.title, notify_type=message.severity
            )
        )
    except Exception as exc:  # a plugin's bug must fail this send, not the run
        log.warning(f"{target.label}: sending raised {type(exc).__name__}")
        return False


def _clean(message: Alert, secrets: list[str]) -> Alert:
    title, body = scrub(message.title, secrets), scrub(message.body, secrets)
    return Alert(title, body, message.severity, message.crossings)


@dataclass
class _Run:
    """One run's sending: what was sent before, the secrets to scrub, the tally."""

    con: duckdb.DuckDBPyConnection
    run_id: str
    log: Log
    sent: set[tuple[str, str]]
    secrets: list[str]
    outcome: Outcome

    def send_to(self, target: Target, found: list[Finding]) -> None:
        unsent = {c.key for f in found for c in f.crossings if (c.key, target.id) not in self.sent}
        failing = False
        for finding in found:
            message = alert(finding, unsent)
            if message is None:
                self.outcome.already_sent += 1
            elif failing:
                self.outcome.failed += 1
            elif self.deliver(target, _clean(message, self.secrets)):
                self.outcome.sent += 1
            else:
                self.outcome.failed += 1
                failing = True

    def deliver(self, target: Target, message: Alert) -> bool:
        """Send ``message``; record it when ``target`` accepted it, warn when not."""
        if _deliver(target, message, self.log):
            _record(self.con, message, target, self.run_id)
            return True
        self.log.warning(
            f"{target.label} did not accept {message.title!r}; it and this target's other "
            "unsent alerts are retried on the next run"
        )
        return False


def send_pending(
    con: duckdb.DuckDBPyConnection, env: Mapping[str, str], *, run_id: str, log: Log
) -> Outcome:
    """Send every unsent crossing to every target of ``env``; see the module docstring."""
    urls = notification_urls(env)
    found = findings(con)
    outcome = Outcome()
    loaded, outcome.invalid_targets = targets(urls, log)
    outcome.targets = len(loaded)
    if not loaded:
        outcome.unsent = len(found)
        if found:
            log.info(f"{len(found)} alert(s) to send, but no target: set {NOTIFY_ENV}")
        return outcome
    run = _Run(con, run_id, log, _sent(con), env_secrets(env), outcome)
    with redacted_logs(urls):
        for target in loaded:
            run.send_to(target, found)
    log.info(
        f"alerts: {outcome.sent} sent, {outcome.already_sent} already sent, "
        f"{outcome.failed} failed, to {outcome.targets} target(s)"
    )
    return outcome
