"""The leak rules of one run, grouped and validated once: detect-secrets types to
rules, the endpoint rules with their networks, suffixes and configured domains, the
sensitive-file rules, and what names the company's own infrastructure."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from typing import Union

from authgate import patterns
from authgate.config import Config, ConfigError
from authgate.pathmatch import in_scope
from authgate.record import Record
from authgate.ruleids import any_matches, matches
from authgate.rules import Rule, RuleSet

FAMILY = "leak"

SECRET = "leak.secret."

ENDPOINT = "leak.endpoint."

FILE = "leak.file."

_MATCHERS = ("plain", "ip", "host", "connection-string", "credential-url", "arn")

_IPNetwork = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

_IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]


class _EndpointRule(Record):
    rule: Rule
    match: str
    keywords: tuple[str, ...]
    networks: tuple[_IPNetwork, ...]
    suffixes: tuple[str, ...]
    domains: tuple[str, ...]
    # Suffixes of home and zero-configuration networks (.local, .lan): they name a
    # machine on someone's desk, never what a company runs; annotated wherever they are.
    soft_suffixes: tuple[str, ...] = ()


class _Plan(Record):
    secrets: Mapping[str, Rule]  # detect-secrets type -> rule
    endpoints: tuple[_EndpointRule, ...]
    files: tuple[Rule, ...]
    scan_secrets: bool
    # Every endpoint rule's keywords in one pattern (lower case): a line with none of
    # them is skipped at once. None when some rule has no keywords.
    any_keyword: re.Pattern[str] | None
    # The same keywords, for a whole file's text to be searched for all at once.
    keywords: tuple[str, ...] = ()
    # What names the company's own infrastructure: the configured domains and the
    # enterprise suffixes of the host rules (a connection string to such a host in a
    # comment or the docs is a leak; to any other host it is annotated).
    infra_domains: tuple[str, ...] = ()
    infra_suffixes: tuple[str, ...] = ()

    def infra(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return host.endswith(self.infra_suffixes or ("\x00",)) or any(
            host == d or host.endswith("." + d) for d in self.infra_domains)


def _domains(values: Iterable[str]) -> tuple[str, ...]:
    out = []
    for v in values:
        d = v.strip().lower()
        d = d[2:] if d.startswith("*.") else d
        d = d.strip(".")
        if d:
            out.append(d)
    return tuple(out)


# The plans of the last runs, by the identity of their rules and config (kept here, so
# an id is not reused while its plan is): verify judges hundreds of commits with one.
_PLANS: dict[tuple[int, int], tuple[RuleSet, Config, _Plan]] = {}


def plan_of(rules: RuleSet, config: Config) -> _Plan:
    kept = _PLANS.get((id(rules), id(config)))
    if kept is not None and kept[0] is rules and kept[1] is config:
        return kept[2]
    plan = _plan(rules, config)
    if len(_PLANS) >= 8:
        _PLANS.clear()
    _PLANS[(id(rules), id(config))] = (rules, config, plan)
    return plan


def _plan(rules: RuleSet, config: Config) -> _Plan:
    secret_rules: dict[str, Rule] = {}
    endpoints: list[_EndpointRule] = []
    files: list[Rule] = []
    for rule in rules.family(FAMILY):
        if rule.kind in ("file", "path"):
            files.append(rule)
        elif matches(SECRET, rule.id):
            stype = rule.params.get("secret_type")
            if not isinstance(stype, str):
                raise ConfigError(f"rule {rule.id}: leak.secret rules need params.secret_type "
                                  "(the type detect-secrets reports)")
            secret_rules[stype] = rule
        elif rule.kind == "line" and rule.regex is not None:
            endpoints.append(_endpoint_rule(rule, config))
    disabled = _disabled(SECRET.rstrip("."), config)
    # A host rule with nothing to look for (production_domains unset) is idle.
    active = tuple(e for e in endpoints if e.match != "host" or e.suffixes or e.domains)
    words = sorted({k for e in active for k in e.keywords}, key=lambda k: (-len(k), k))
    any_keyword = None
    if words and all(e.keywords for e in active):
        any_keyword = re.compile(patterns.trie(words))
    hosts = [e for e in active if e.match == "host"]
    return _Plan(secret_rules, active, tuple(files), scan_secrets=not disabled,
                 any_keyword=any_keyword, keywords=tuple(words),
                 infra_domains=tuple(d for e in hosts for d in e.domains),
                 infra_suffixes=tuple(x for e in hosts for x in e.suffixes
                                      if x not in e.soft_suffixes))


def _disabled(rule_id: str, config: Config) -> bool:
    return any_matches(config.disable, rule_id)


def _endpoint_rule(rule: Rule, config: Config) -> _EndpointRule:
    params = rule.params
    match = params.get("match", "plain")
    if match not in _MATCHERS:
        raise ConfigError(f"rule {rule.id}: params.match must be one of {', '.join(_MATCHERS)}")
    for key in ("actions", "suffix_actions", "credential_actions"):
        table = params.get(key, {})
        if not isinstance(table, Mapping) or any(
                a not in ("block", "annotate", "warn", "off") for a in table.values()):
            raise ConfigError(f"rule {rule.id}: params.{key} must map contexts to block, "
                              "annotate, warn or off")
    if params.get("on_guard", "off") not in ("block", "annotate", "warn", "off"):
        raise ConfigError(f"rule {rule.id}: params.on_guard must be block, annotate, warn "
                          "or off")
    try:
        networks = tuple(ipaddress.ip_network(n, strict=False)
                         for n in params.get("networks", ()))
    except ValueError as exc:
        raise ConfigError(f"rule {rule.id}: params.networks: {exc}") from exc
    suffixes = tuple(s.lower() for s in params.get("suffixes", ()))
    source = params.get("config")
    domains = _domains(getattr(config, source, ())) if isinstance(source, str) else ()
    keywords = rule.keywords
    if match == "host":
        keywords = (*suffixes, *domains)
    soft = tuple(x.lower() for x in params.get("soft_suffixes", ()))
    return _EndpointRule(rule, match, keywords, networks, suffixes, domains, soft)


def _applies(rule: Rule, path: str) -> bool:
    return in_scope(rule.paths, rule.exclude_paths, path)
