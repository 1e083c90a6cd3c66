"""The `Finding` value and redaction.

A finding never holds a raw secret: evidence is redacted by whoever builds it, with
`redact()` for a known secret span and `scrub()` for a line that may hold one.
"""

from __future__ import annotations

import enum
import hashlib
import re
from dataclasses import dataclass, field, replace


class Severity(enum.IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Severity:
        return cls[value.upper()]


class Tier(enum.IntEnum):
    """Identity impact of a file or a change."""

    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Tier:
        return cls[value.upper()]


class Action(str, enum.Enum):
    """What policy does with a finding, strongest first in ORDER."""

    BLOCK = "block"
    ANNOTATE = "annotate"
    WARN = "warn"
    OFF = "off"

    def __str__(self) -> str:
        return self.value


ACTION_ORDER = {Action.OFF: 0, Action.WARN: 1, Action.ANNOTATE: 2, Action.BLOCK: 3}

@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: Severity
    message: str
    path: str | None = None
    line: int | None = None
    evidence: str = ""  # already redacted
    title: str = ""
    fix: str = ""
    refs: tuple[str, ...] = ()
    context: str = "code"
    # The identity tier this finding lifts its file (and so the change) to.
    tier: Tier = Tier.NONE
    # The action the rule asks for by default; policy may override it from config.
    action: Action = Action.WARN
    # Provenance findings: "strong" or "weak" evidence of AI assistance, and the tool.
    strength: str | None = None
    tool: str | None = None
    # A stable hash of the matched value (sha256 hex), for allowlists by value.
    value_hash: str | None = None
    # Why this finding was waved through (inline `authgate: allow` or config), if it was.
    suppressed: str | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())

    @property
    def family(self) -> str:
        return self.rule_id.split(".", 1)[0]

    @property
    def location(self) -> str:
        if self.path is None:
            # Evidence from the message or the agent's environment has no file.
            return f"({self.context})" if self.context in ("message", "environment") \
                else "(commit)"
        return f"{self.path}:{self.line}" if self.line else self.path

    def with_action(self, action: Action) -> Finding:
        return replace(self, action=action)


def value_hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()


def redact(secret: str) -> str:
    """First and last character at most, never enough to use or brute-force."""
    if len(secret) < 12:
        return "*" * min(len(secret), 8) or "*"
    return f"{secret[0]}{'*' * 8}{secret[-1]}"


def redact_span(text: str, start: int, end: int) -> str:
    return text[:start] + redact(text[start:end]) + text[end:]


_QUOTED = re.compile(r"""(?P<q>["'`])(?P<body>[^"'`\s]{8,})(?P=q)""")
_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][\w+.-]*://)(?P<user>[^/\s:@]*):(?P<pw>[^/\s@]+)@")
_URL_QUERY_SECRET = re.compile(
    r"(?i)(?P<key>[?&](?:x-amz-signature|x-amz-credential|sig|signature|token|access_token|"
    r"api_key|apikey|key|password|secret|code)=)(?P<val>[^&\s\"']+)")
_KEY_VALUE = re.compile(
    r"(?i)(?P<key>(?:password|passwd|pwd|secret|token|api_?key|private_?key|credential)\w*"
    r"[\"']?\s*[:=]>?\s*(?P<q>[\"'`]?))(?P<val>[^\s\"'`,;().]{4,})(?=[\s\"'`,;]|$)")
_LONG_TOKEN = re.compile(r"(?<![\w/.])[A-Za-z0-9+/_\-]{32,}={0,2}")


def _looks_secret(body: str) -> bool:
    # Identifiers and words ("verify_signature", "application/json") stay readable;
    # mixed-class literals are what keys and passwords look like.
    classes = sum((any(c.islower() for c in body), any(c.isupper() for c in body),
                   any(c.isdigit() for c in body),
                   any(not c.isalnum() and c not in "_-./: " for c in body)))
    return classes >= 2 and not body.replace("_", "").isalpha()


MAX_EVIDENCE = 160


def scrub(text: str) -> str:
    """Evidence from a line that may carry a secret: quoted literals, URL credentials,
    key=value secrets and long token-like runs are redacted; the rest stays readable."""
    text = _URL_USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{redact(m['pw'])}@", text)
    text = _URL_QUERY_SECRET.sub(lambda m: m["key"] + redact(m["val"]), text)
    text = _QUOTED.sub(
        lambda m: m["q"] + (redact(m["body"]) if _looks_secret(m["body"]) else m["body"]) + m["q"],
        text)
    text = _KEY_VALUE.sub(lambda m: m["key"] + redact(m["val"]), text)
    text = _LONG_TOKEN.sub(lambda m: redact(m[0]), text)
    text = text.strip()
    if len(text) > MAX_EVIDENCE:
        text = text[: MAX_EVIDENCE - 1] + "…"
    return text
