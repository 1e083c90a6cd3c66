"""`leak.endpoint.*`: addresses, hosts, connection strings, credential URLs and ARNs on
an added line, confirmed by their matcher and graded by where they sit; documentation
names and addresses, loopback and placeholder accounts are always allowed."""

from __future__ import annotations

import bisect
import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import unquote

from authgate.checks import secrets
from authgate.checks.leaks.line import (
    _CONTEXT_WORDS,
    _Added,
    _evidence,
    _finding,
    _Place,
    _raw_values,
)
from authgate.checks.leaks.plan import _EndpointRule, _IPAddress, _IPNetwork
from authgate.findings import Action, Finding, secret_marks
from authgate.record import Record
from authgate.rules import Rule

_SAFE_NETWORKS: tuple[_IPNetwork, ...] = tuple(ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "::1/128", "0.0.0.0/32", "::/128",  # loopback, unspecified
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",  # RFC 5737
    "2001:db8::/32",  # RFC 3849
))

_SAFE_NAMES = frozenset(("localhost", "example.com", "example.net", "example.org",
                         "localhost.localdomain",
                         # What Docker and Podman resolve on every machine.
                         "host.docker.internal", "gateway.docker.internal",
                         "kubernetes.docker.internal", "host.containers.internal"))

# RFC 2606 / RFC 6761 special-use names.
_SAFE_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".example.com",
                  ".example.net", ".example.org")

# Dotted names in prose that are code, not hosts ("threading.local", "self.internal").
_CODE_OBJECTS = frozenset(("threading", "thread", "self", "this", "cls", "storage", "werkzeug",
                           "contextvars", "asyncio", "gevent", "greenlet", "chrome", "browser",
                           "window", "document", "os", "sys", "settings", "module", "pkg",
                           "app", "ctx", "request", "g", "flask", "django", "local"))


def safe_ip(addr: _IPAddress) -> bool:
    return any(addr.version == n.version and addr in n for n in _SAFE_NETWORKS)


def safe_host(host: str) -> bool:
    """Loopback, documentation and special-use names, templates, and single-label names
    (a compose service such as `db` or a placeholder such as `host` names no machine)."""
    host = host.strip().strip("[]").rstrip(".").lower()
    if not host or any(c in host for c in "{}$<>%*"):
        return True
    try:
        return safe_ip(ipaddress.ip_address(host.split("%", 1)[0]))
    except ValueError:
        pass
    if host in _SAFE_NAMES or host.endswith(_SAFE_SUFFIXES):
        return True
    return "." not in host


# Placeholders are not leaks where examples live: tests, fixtures, documentation.
is_placeholder = secrets.is_placeholder

_PLACEHOLDER_ACCOUNTS = frozenset(("123456789012", "210987654321", "000000000000"))


def placeholder_account(account: str) -> bool:
    """AWS documentation account ids: 123456789012, 111122223333 and the like."""
    if account in _PLACEHOLDER_ACCOUNTS or len(set(account)) == 1:
        return True
    return bool(re.fullmatch(r"(\d)\1{3}(\d)\2{3}(\d)\3{3}", account))


# A line with more endpoints than this (a minified bundle, a generated table) reports
# this many; the rest would say nothing new and cost quadratic time.
MAX_PER_LINE = 20


class _Hit(Record):
    shown: str  # what the message may say (never a credential)
    value: str  # what value_hash covers
    credential: bool = False
    secret_span: tuple[int, int] | None = None
    # host rules: a configured domain (True) or only a built-in suffix (False)
    listed: bool = True
    soft: bool = False  # a home-network suffix (.local, .lan)
    infra: bool = True  # connection strings: the host is the company's own


def _endpoint_findings(a: _Added, lowered: str, path: str, file_ctx: str, syntax: str,
                       endpoints: Sequence[_EndpointRule],
                       line_hits: Sequence[secrets.SecretHit], quiet: bool = False,
                       infra: Callable[[str], bool] = lambda host: True,
                       guarded_file: Callable[[], bool] = lambda: False) -> list[Finding]:
    text = a.text
    claimed: list[tuple[int, int]] = []
    out: list[Finding] = []
    secret_values = _raw_values(line_hits)
    place = _Place(a, path, file_ctx, guarded_file)
    for er in endpoints:
        rule = er.rule
        if er.keywords and not any(k in lowered for k in er.keywords):
            continue
        if rule.pattern is None:
            continue
        for m in rule.pattern.finditer(text):
            if len(out) >= MAX_PER_LINE:
                return out
            start, end = m.span()
            if _overlaps(claimed, start, end):
                continue
            hit = _confirm(er, m, text, place, syntax, infra)
            if hit is None:
                continue
            ctx = place.context(start)
            bisect.insort(claimed, (start, end))
            if er.match == "credential-url" and hit.secret_span and any(
                    text[slice(*hit.secret_span)] in v for v in secret_values):
                continue  # detect-secrets reported this very credential (Slack) already
            action = _endpoint_action(er, hit, ctx, place)
            if action is Action.OFF:
                continue
            shown = f" {hit.shown}" if hit.shown else ""
            message = f"{rule.message}{shown}{_CONTEXT_WORDS.get(ctx, '')}"
            if quiet:
                evidence = ""
            elif hit.secret_span:
                evidence = _evidence(text, [hit.secret_span], secret_values)
            else:
                evidence = place.evidence(secret_values)
            # Marked, so a finding of another family on this line hides them too.
            marks = secret_marks(text, secret_values,
                                 [hit.secret_span] if hit.secret_span else [])
            out.append(_finding(rule, path, a.number, ctx, action, message, evidence,
                                hit.value, extra=marks))
    return out


def _overlaps(claimed: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps a claimed span. The claimed spans are sorted and do
    not overlap each other, so only the neighbours need a look: a line of thousands of
    candidates that are all dropped stays linear."""
    i = bisect.bisect_left(claimed, (start, end))
    return any(s < end and start < e for s, e in claimed[max(i - 1, 0):i + 1])


def _context_action(rule: Rule, ctx: str, table: str = "actions") -> Action:
    actions = rule.params.get(table)
    if table != "actions" and not isinstance(actions, Mapping):
        actions = rule.params.get("actions")
    if isinstance(actions, Mapping) and ctx in actions:
        return Action(actions[ctx])
    return rule.action


def _endpoint_action(er: _EndpointRule, hit: _Hit, ctx: str, place: _Place) -> Action:
    """Block what names real infrastructure; annotate or drop the rest.

    A line that guards against the address (an SSRF check, a test that private
    addresses are rejected, a list of blocked ranges) takes `params.on_guard`; a
    credential (a password in a connection string, a webhook) takes
    `params.credential_actions`; a host known only by a built-in suffix takes
    `params.suffix_actions` (home-network suffixes annotate); a connection string to a
    host that is not the company's own annotates."""
    rule = er.rule
    if "on_guard" in rule.params and place.guarded():
        return Action(rule.params["on_guard"])
    if hit.credential:
        table = "credential_actions" if "credential_actions" in rule.params else None
        return _context_action(rule, ctx, table) if table else Action.BLOCK
    if er.match == "host" and not hit.listed:
        return Action.ANNOTATE if hit.soft else _context_action(rule, ctx, "suffix_actions")
    if er.match == "connection-string" and not hit.infra:
        return Action.ANNOTATE
    return _context_action(rule, ctx)


def _confirm(er: _EndpointRule, m: re.Match[str], text: str, place: _Place, syntax: str,
             infra: Callable[[str], bool]) -> _Hit | None:
    if er.match == "plain":
        return _Hit(shown=m[0], value=m[0])
    if er.match == "ip":
        return _confirm_ip(er, m[0])
    if er.match == "host":
        return _confirm_host(er, m, text, place, syntax)
    if er.match == "connection-string":
        return _confirm_connection(m[0], infra)
    groups = m.re.groupindex
    if er.match == "credential-url":
        group = "secret" if "secret" in groups else 0
        secret = m[group]
        if not secret or is_placeholder(unquote(secret)) or "..." in secret:
            return None
        host = re.sub(r"^[a-z]+://", "", m[0], flags=re.I).split("/", 1)[0]
        return _Hit(shown=host, value=m[0], credential=True, secret_span=m.span(group))
    # arn
    account = m["account"] if "account" in groups else None
    if not account or placeholder_account(account):
        return None
    return _Hit(shown=f"(account {account})", value=m[0])


def _parse_ip(candidate: str) -> _IPAddress | None:
    core = candidate.strip("[]").split("%", 1)[0].split("/", 1)[0].rstrip(":")
    try:
        return ipaddress.ip_address(core)
    except ValueError:
        return None


def _confirm_ip(er: _EndpointRule, candidate: str) -> _Hit | None:
    addr = _parse_ip(candidate)
    if addr is None or safe_ip(addr):
        return None
    if "/" in candidate:
        # A range (10.0.0.0/8 in an allow list or a firewall rule) names no machine.
        try:
            net = ipaddress.ip_network(candidate.strip("[]").split("%", 1)[0], strict=False)
        except ValueError:
            net = None
        if net is not None and net.prefixlen < net.max_prefixlen:
            return None
    if not any(addr.version == n.version and addr in n for n in er.networks):
        return None
    return _Hit(shown=str(addr), value=str(addr))


def _confirm_host(er: _EndpointRule, m: re.Match[str], text: str, place: _Place, syntax: str
                  ) -> _Hit | None:
    host = m[0].lower().rstrip(".")
    if safe_host(host):
        return None
    listed = any(host == d or host.endswith("." + d) for d in er.domains)
    if not listed and not host.endswith(er.suffixes or ("\x00",)):
        return None
    after = text[m.end():m.end() + 1]
    if after == "(":
        return None  # a call: threading.local()
    if not listed:
        # The built-in suffixes are also words of code ("threading.local",
        # "pkg.internal"): in code a host is a string literal; in prose, not a known
        # code object.
        if syntax == "code" and not place.is_comment(m.start()) and \
                not place.in_string(m.start()):
            return None
        if host.split(".", 1)[0] in _CODE_OBJECTS:
            return None
    soft = not listed and host.endswith(er.soft_suffixes or ("\x00",))
    return _Hit(shown=host, value=host, listed=listed, soft=soft)


_NETLOC_END = re.compile(r"[/?#;]")


def _confirm_connection(found: str, infra: Callable[[str], bool]) -> _Hit | None:
    if "://" in found or found.lower().startswith("jdbc:oracle:thin:@"):
        return _url_connection(found, infra)
    return _ado_connection(found, infra)


def _credential(password: str | None) -> bool:
    """A password that looks like a credential (judged as detect-secrets' findings are:
    not a placeholder, a reference or a word)."""
    return bool(password) and secrets.value_kind(unquote(password or ""))[0] == \
        secrets.CREDENTIAL


def _url_connection(found: str, infra: Callable[[str], bool]) -> _Hit | None:
    # jdbc:oracle:thin:@host:port:sid (or @//host:port/service) has no "://".
    rest = found.split("://", 1)[1] if "://" in found else found.split("@", 1)[1].lstrip("/")
    end = _NETLOC_END.search(rest)
    netloc = rest[:end.start()] if end else rest
    tail = rest[end.start():] if end else ""
    userinfo, _, hostlist = netloc.rpartition("@")
    password = userinfo.split(":", 1)[1] if ":" in userinfo else None
    hosts = []
    for item in hostlist.split(","):
        item = item.strip()
        if item.startswith("["):
            hosts.append(item[1:item.find("]")] if "]" in item else item[1:])
        else:
            hosts.append(item.split(":", 1)[0])
    hosts = [h for h in hosts if h]
    if not hosts or all(safe_host(h) for h in hosts):
        return None
    query_pw = re.search(r"(?i)[;?&](?:password|pwd)=([^;&\s]*)", tail)
    credential = _credential(password) or bool(query_pw and _credential(query_pw[1]))
    shown = ",".join(h for h in hosts if not safe_host(h))
    if credential:
        shown += " (with a password)"
    return _Hit(shown=shown, value=found, credential=credential,
                infra=any(infra(h) for h in hosts if not safe_host(h)))


_ADO_HOST_KEYS = ("server", "data source", "address", "addr", "network address", "host")

_ADO_KEYS = ("database", "initial catalog", "uid", "user id", "user", "username", "password",
             "pwd", "trusted_connection", "integrated security", "encrypt")


def _ado_connection(found: str, infra: Callable[[str], bool]) -> _Hit | None:
    pairs: dict[str, str] = {}
    for part in found.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            pairs.setdefault(key.strip().lower(), value.strip())
    if not any(k in pairs for k in _ADO_KEYS):
        return None
    host = next((pairs[k] for k in _ADO_HOST_KEYS if k in pairs), "")
    host = re.sub(r"(?i)^(?:tcp|np|lpc):", "", host).split(",", 1)[0].split("\\", 1)[0]
    if host.lower() in (".", "(local)", "(localdb)") or safe_host(host):
        return None
    password = pairs.get("password", pairs.get("pwd"))
    credential = _credential(password)
    shown = host + (" (with a password)" if credential else "")
    return _Hit(shown=shown, value=found, credential=credential, infra=infra(host))
