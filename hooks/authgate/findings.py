"""The `Finding` value and redaction.

A finding never holds a raw secret: evidence is redacted by whoever builds it, with
`redact()` for a known secret span and `scrub()` for a line that may hold one. A
finding that found a secret marks where it sits (`secret_marks`), and checks.run_all
then redacts every finding of that file with it (`redact_values`) and scrubs them all
once more, so no family can show what another one hid.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

from authgate.patterns import Lazy
from authgate.record import Record

if TYPE_CHECKING:
    from authgate.rules import Rule

_Level = TypeVar("_Level", bound="_Ordered")


class _Ordered(enum.IntEnum):
    """An ordered scale written in lower case: "high" in config, reports and trailers."""

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls: type[_Level], value: str) -> _Level:
        return cls[value.upper()]


class Severity(_Ordered):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


class Tier(_Ordered):
    """Identity impact of a file or a change."""

    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


class Action(str, enum.Enum):
    """What policy does with a finding, strongest first in ORDER."""

    BLOCK = "block"
    ANNOTATE = "annotate"
    WARN = "warn"
    OFF = "off"

    def __str__(self) -> str:
        return self.value


ACTION_ORDER = {Action.OFF: 0, Action.WARN: 1, Action.ANNOTATE: 2, Action.BLOCK: 3}

class Finding(Record):
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
    extra: tuple[tuple[str, str], ...] = ()

    @property
    def family(self) -> str:
        return self.rule_id.split(".", 1)[0]

    @property
    def counts(self) -> bool:
        """Whether the finding still counts: not waved through (an allow comment, config,
        the baseline) and not switched off by policy. Tiers, blocks, counts, reports and
        trailers read only these; what does not count stays visible in reports."""
        return self.suppressed is None and self.action is not Action.OFF

    @property
    def location(self) -> str:
        if self.path is None:
            # Evidence from the message or the agent's environment has no file.
            return f"({self.context})" if self.context in ("message", "environment") \
                else "(commit)"
        return f"{self.path}:{self.line}" if self.line else self.path

    def with_action(self, action: Action) -> Finding:
        return self._replace(action=action)


def value_hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()


def from_rule(rule: Rule, message: str, *, path: str | None = None, line: int | None = None,
              context: str = "code", evidence: str = "", tier: Tier | None = None,
              action: Action | None = None, value: str | None = None,
              strength: str | None = None, tool: str | None = None,
              extra: tuple[tuple[str, str], ...] = ()) -> Finding:
    """A finding of `rule`, every family's one builder: the rule gives the id, severity,
    title, fix, refs, and the tier and action unless the check graded them; `value` (the
    matched value, raw) is kept only as its hash, for allowlists by value. `evidence`
    must already be redacted."""
    return Finding(rule_id=rule.id, severity=rule.severity, message=message, path=path,
                   line=line, evidence=evidence, title=rule.title, fix=rule.fix,
                   refs=rule.refs, context=context,
                   tier=rule.tier if tier is None else tier,
                   action=rule.action if action is None else action,
                   strength=strength, tool=tool,
                   value_hash=value_hash(value) if value else None, extra=extra)


# `extra` entries naming the file (and line) a finding without a path of its own is
# about: the decision a missing test is missing for, the sensitive path no CODEOWNERS
# file covers. Reports that need a file (code scanning, GitLab) put it there.
ANCHOR, ANCHOR_LINE = "anchor", "anchor-line"


def anchor(f: Finding) -> tuple[str, int | None] | None:
    """Where a finding can be shown in a file: its own place, else its anchor."""
    if f.path is not None:
        return f.path, f.line
    extra = dict(f.extra)
    path = extra.get(ANCHOR)
    if not path:
        return None
    line = extra.get(ANCHOR_LINE, "")
    return path, int(line) if line.isdigit() and int(line) > 0 else None


def anchored(f: Finding, path: str, line: int | None = None) -> Finding:
    """`f` with an anchor (only a finding without a path of its own needs one)."""
    extra = ((ANCHOR, path),) + (((ANCHOR_LINE, str(line)),) if line else ())
    return f._replace(extra=f.extra + extra)


_DIGITS = Lazy(r"\d+")
SHORT_FINGERPRINT = 12


def fingerprint(f: Finding) -> str:
    """A stable identity for a finding (32 hex): its rule, its file and what it found
    (the hash of the secret, else the redacted evidence, else its message with the
    numbers taken out, since messages name lines), never its line, so it survives
    lines moving above it. Never the secret: evidence is redacted and a value enters
    only as its sha256. A finding without a file is known by its anchor."""
    parts: tuple[str, ...]
    what = f.value_hash or f.evidence or _DIGITS.sub("#", f.message)
    if f.path is not None:
        # As the SARIF `authgate/v1` partial fingerprint has been for a finding with
        # evidence, so code scanning keeps following the alerts it has.
        parts = (f.rule_id, f.path, what)
    else:
        where = anchor(f)
        parts = (f.rule_id, "", where[0] if where else "", what)
    key = "\x00".join(parts)
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def short_fingerprint(f: Finding) -> str:
    """What the reports show and an allowlist entry names: the fingerprint's start."""
    return fingerprint(f)[:SHORT_FINGERPRINT]


def redact(secret: str) -> str:
    """First and last character at most, never enough to use or brute-force."""
    if len(secret) < 12:
        return "*" * min(len(secret), 8) or "*"
    return f"{secret[0]}{'*' * 8}{secret[-1]}"


def redact_span(text: str, start: int, end: int) -> str:
    return text[:start] + redact(text[start:end]) + text[end:]


# Every pattern below is linear in the length of the text: each can start only where
# its first part cannot continue a previous attempt (a lookbehind on the class it
# repeats, or a literal), and no two neighbouring repeats share characters. A line of
# minified code is hundreds of kilobytes; tests/test_linear.py measures the growth.
_QUOTED = Lazy(r"""(?P<q>["'`])(?P<body>[^"'`\s]{8,})(?P=q)""")
# The user and password part of a URL, or a lone token in its place (GitHub and GitLab
# clone URLs carry tokens there). The scheme starts where a run of its characters does.
_URL_USERINFO = Lazy(
    r"(?<![\w+.-])(?P<scheme>[a-zA-Z][\w+.-]*://)(?P<user>[^/\s:@]*)(?::(?P<pw>[^/\s@]*))?@")
_URL_QUERY_SECRET = Lazy(
    r"(?i)(?P<key>[?&;](?:x-amz-signature|x-amz-credential|x-amz-security-token|"
    r"x-goog-signature|x-goog-credential|sig|signature|token|access_token|auth|"
    r"api_key|apikey|key|password|secret|code|client_secret)=)(?P<val>[^&\s\"'#]+)")
# An assignment to a key named for a secret (db_password, apiKey, ...): the whole key
# (one run of word characters that holds a secret word, checked by the lookahead once
# per run), then the value.
_KEY_VALUE = Lazy(
    r"(?i)(?P<key>(?<![\w-])(?=[\w-]*?(?:password|passwd|pwd|secret|token|api[_-]?key|"
    r"private_?key|credential|passphrase|auth_?key|access_?key))[\w-]+"
    r"[\"']?\s*[:=]>?\s*(?P<q>[\"'`]?))(?P<val>[^\s\"'`,;().]{4,})(?=[\s\"'`,;]|$)")
_BEARER = Lazy(r"(?i)(?P<key>\b(?:bearer|basic|token)\s+)(?P<val>[A-Za-z0-9._~+/=-]{8,})")
# Runs of token characters, judged whole by `_tokenish` (a run is one token or a path).
_RUN = Lazy(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}={0,2}")
# Provider prefixes that make a string a credential whatever its length: AWS access
# key ids, GitHub, GitLab, Slack, Stripe, npm, PyPI, Google API keys, OpenAI keys.
_KNOWN_PREFIX = Lazy(
    r"(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|A3T[A-Z0-9])[A-Z0-9]{12}|"
    r"gh[pousr]_[A-Za-z0-9]{8}|github_pat_|glpat-|glptt-|gldt-|xox[abposr]-|"
    r"xapp-|[sr]k_(?:live|test)_|sk-(?:proj-|ant-)?[A-Za-z0-9]{8}|npm_[A-Za-z0-9]{8}|"
    r"pypi-|AIza[0-9A-Za-z_-]{8}|SG\.[\w-]{8}|hf_[A-Za-z]{8}")

# Already-redacted text ("a********z", "*****") is left as it is; text that holds a
# redaction and more (a JWT whose first part was redacted) is judged whole.
_REDACTED = Lazy(r"[^*]?\*{1,8}[^*]?")


def _redacted(text: str) -> bool:
    return _REDACTED.fullmatch(text) is not None


def _tokenish(run: str) -> bool:
    """Whether a run of token characters is (or holds) a credential rather than an
    identifier or a path: a provider prefix, or a long string that mixes character
    classes the way generated keys do."""
    if _KNOWN_PREFIX.search(run):
        return True
    body = run.rstrip("=")
    upper = any(c.isupper() for c in body)
    lower = any(c.islower() for c in body)
    digit = any(c.isdigit() for c in body)
    if "/" in body and not (upper and lower and digit):
        # A path: its parts are judged one by one (`/services/T0/B0/<token>`).
        return any(_tokenish(part) for part in body.split("/") if len(part) >= 16)
    # Generated keys mix digits into letters; identifiers (`AbstractAuthentication
    # ProcessingFilter`, `test_login_fails_with_expired_token_2fa`) do not.
    return len(body) >= 20 and digit and ((upper and lower) or _mixed(body))


def _mixed(body: str) -> bool:
    # Letters and digits interleaved (a0b1...), not a word with a number at its end
    # (`test_login_fails_2`): count the switches between letters and digits.
    switches = sum(1 for a, b in zip(body, body[1:])
                   if a.isalnum() and b.isalnum() and a.isdigit() != b.isdigit())
    return switches >= 4


def _looks_secret(body: str) -> bool:
    # Identifiers and words ("verify_signature", "application/json") stay readable;
    # mixed-class literals are what keys and passwords look like.
    if _redacted(body):
        return False
    classes = sum((any(c.islower() for c in body), any(c.isupper() for c in body),
                   any(c.isdigit() for c in body),
                   any(not c.isalnum() and c not in "_-./: " for c in body)))
    return classes >= 2 and not body.replace("_", "").isalpha()


MAX_EVIDENCE = 160
# What scrub reads of a line: evidence shows MAX_EVIDENCE characters, so a megabyte
# of minified code costs no more than this.
MAX_SCRUB = 4096


def _userinfo(m: re.Match[str]) -> str:
    if m["pw"] is not None:
        pw = m["pw"]
        return f"{m['scheme']}{m['user']}:{redact(pw) if pw and not _redacted(pw) else pw}@"
    user = m["user"]
    # A bare `git@` or `deploy@` is a user name; a token stands alone there.
    shown = redact(user) if not _redacted(user) and (
        _tokenish(user) or (_looks_secret(user) and len(user) >= 12)) else user
    return f"{m['scheme']}{shown}@"


def scrub_text(text: str, *, code: bool = True) -> str:
    """`text` with anything that looks like a credential redacted, whole: URL
    credentials, query-string secrets, provider-prefixed and long generated tokens and,
    in a line of code (`code`), quoted mixed-class literals, key=value and bearer
    secrets. authgate's own messages are not code: "detect-secrets: Secret Keyword"
    is no assignment."""
    text = _URL_USERINFO.sub(_userinfo, text)
    text = _URL_QUERY_SECRET.sub(lambda m: m["key"] + redact(m["val"]), text)
    if not code:
        return _RUN.sub(lambda m: redact(m[0]) if _tokenish(m[0]) else m[0], text)
    text = _QUOTED.sub(
        lambda m: m["q"] + (redact(m["body"]) if _looks_secret(m["body"]) else m["body"]) + m["q"],
        text)
    text = _KEY_VALUE.sub(lambda m: m["key"] + (m["val"] if _redacted(m["val"])
                                                else redact(m["val"])), text)
    text = _BEARER.sub(lambda m: m["key"] + (redact(m["val"]) if _looks_secret(m["val"])
                                             else m["val"]), text)
    return _RUN.sub(lambda m: redact(m[0]) if _tokenish(m[0]) else m[0], text)


def scrub(text: str) -> str:
    """Evidence from a line that may carry a secret: quoted literals, URL credentials,
    key=value secrets and long token-like runs are redacted; the rest stays readable.
    At most MAX_EVIDENCE characters come back."""
    cut = len(text) > MAX_SCRUB
    if cut:
        # Cut at a separator, so no token is left half-shown past the cut.
        text = text[:MAX_SCRUB]
        text = text[:max(text.rfind(" "), text.rfind("\t"), text.rfind('"'), text.rfind("'"),
                         text.rfind(","), text.rfind(";"), 0)]
    text = scrub_text(text).strip()
    if len(text) > MAX_EVIDENCE or cut:
        text = text[: MAX_EVIDENCE - 1] + "…"
    return text


# A Finding's `extra` entry that marks a secret on its line: ("secret-span", "start:end")
# in the line's text. Every finding on that line is then redacted with it, whichever
# family found the secret (checks.run_all), and the marks are dropped.
SECRET_SPAN = "secret-span"


def secret_marks(text: str, values: Iterable[str] = (),
                 spans: Iterable[tuple[int, int]] = ()) -> tuple[tuple[str, str], ...]:
    """`extra` entries marking every occurrence of each value (and each span) in text."""
    found = {(s, e) for s, e in spans if 0 <= s < e <= len(text)}
    for v in {v for v in values if v}:
        i = text.find(v)
        while i >= 0:
            found.add((i, i + len(v)))
            i = text.find(v, i + len(v))
    return tuple((SECRET_SPAN, f"{s}:{e}") for s, e in sorted(found))


def redact_values(text: str, values: Iterable[str]) -> str:
    """`text` with every occurrence of each value redacted, and a value cut short by
    an ellipsis (evidence shortened at its end, or in its middle) redacted too."""
    values = sorted({v for v in values if len(v) >= 4}, key=len, reverse=True)
    for v in values:
        if v in text:
            text = text.replace(v, redact(v))
    if "…" in text:
        for v in values:
            text = _redact_cut(text, v)
    return text


def _redact_cut(text: str, value: str) -> str:
    parts = text.split("…")
    for i in range(len(parts)):
        if i < len(parts) - 1:  # text before an ellipsis may end with the value's start
            head = _common_prefix_tail(parts[i], value)
            if head >= 4:
                parts[i] = parts[i][:-head] + redact(value[:head])
        if i > 0:  # text after one may begin with the value's end
            tail = _common_suffix_head(parts[i], value)
            if tail >= 4:
                parts[i] = redact(value[-tail:]) + parts[i][tail:]
    return "…".join(parts)


def _common_prefix_tail(text: str, value: str) -> int:
    """The longest k such that text ends with value[:k]."""
    for k in range(min(len(text), len(value)), 0, -1):
        if text.endswith(value[:k]):
            return k
    return 0


def _common_suffix_head(text: str, value: str) -> int:
    """The longest k such that text starts with value[-k:]."""
    for k in range(min(len(text), len(value)), 0, -1):
        if text.startswith(value[-k:]):
            return k
    return 0
