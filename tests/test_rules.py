"""Rule catalogs: shipped data, user rules, disable and re-grade, `rules` and `explain`."""

from __future__ import annotations

import re

import pytest

from authgate.config import ConfigError, parse
from authgate.findings import Severity
from authgate.rules import load, parse_rule

from testing import Repo

CUSTOM = {"id": "identity.custom.legacy-sso", "title": "Legacy SSO helper",
          "severity": "high", "tier": "high", "action": "annotate",
          "regex": r"legacy_sso\(", "keywords": ["legacy_sso"], "message": "legacy SSO used"}


def test_every_shipped_rule_loads_with_an_id_in_its_family_and_a_message() -> None:
    ruleset = load(parse({}, "t"))
    ids = [r.id for r in ruleset]
    assert len(ids) == len(set(ids))
    for r in ruleset:
        assert r.family in ("provenance", "leak", "identity")
        assert r.message
        # Shipped patterns compile lazily: prove each one compiles.
        assert r.regex is None or r.pattern is not None


def test_custom_rule_from_config_is_loaded_and_compiled() -> None:
    ruleset = load(parse({"rules": {"custom": [CUSTOM]}}, "t"))
    rule = ruleset.get("identity.custom.legacy-sso")
    assert rule is not None and rule.origin == "config"
    assert rule.search("x = legacy_sso(user)") is not None
    assert rule.search("x = legacy(user)") is None


def test_keywords_gate_the_regex() -> None:
    rule = parse_rule({**CUSTOM, "regex": r"sso", "keywords": ["legacy"]}, "t")
    assert rule.search("sso only") is None
    assert rule.search("legacy sso") is not None


def test_disable_by_id_or_prefix_and_regrade() -> None:
    cfg = parse({"rules": {"custom": [CUSTOM, {**CUSTOM, "id": "identity.custom.other"}],
                           "disable": ["identity.custom.other"],
                           "severity": {"identity.custom.legacy-sso": "low"}}}, "t")
    ruleset = load(cfg)
    assert ruleset.get("identity.custom.other") is None
    assert ruleset.get("identity.custom.legacy-sso").severity is Severity.LOW  # type: ignore[union-attr]
    prefix = parse({"rules": {"custom": [CUSTOM], "disable": ["identity.custom"]}}, "t")
    assert load(prefix).get("identity.custom.legacy-sso") is None


@pytest.mark.parametrize("table, fragment", [
    ({**CUSTOM, "id": "Bad Id"}, "key 'rules.custom[0].id' must be a dotted lower-case slug"),
    ({**CUSTOM, "id": "other.x.y"}, "key 'rules.custom[0].id' must start with one of"),
    ({**CUSTOM, "regex": "("}, "key 'rules.custom[0].regex' does not compile"),
    ({**CUSTOM, "severity": "huge"}, "key 'rules.custom[0].severity' must be one of"),
    ({**CUSTOM, "colour": "red"}, "unknown key 'rules.custom[0].colour'"),
    ({**CUSTOM, "params": 3}, "key 'rules.custom[0].params' must be a table, got 3"),
])
def test_bad_rules_are_one_line_errors_naming_the_key(table: dict[str, object],
                                                      fragment: str) -> None:
    # Found when the config loads, before any catalog is used.
    with pytest.raises(ConfigError) as err:
        parse({"rules": {"custom": [table]}}, "pyproject.toml [tool.authgate]")
    assert str(err.value).startswith(f"pyproject.toml [tool.authgate]: {fragment}")
    assert "\n" not in str(err.value)


def test_the_id_scan_finds_exactly_the_ids_of_the_parsed_catalogs() -> None:
    from authgate import rules

    parsed = {r.id for r in load(parse({}, "t"))}
    rules._CACHE.clear()
    assert rules.known_ids(parse({}, "t")) == parsed
    assert len(parsed) > 150 and "leak.endpoint.private-ipv4" in parsed


def test_disabling_an_unknown_rule_is_an_error() -> None:
    with pytest.raises(ConfigError, match=re.escape("names unknown rule 'identity.nope'")):
        load(parse({"rules": {"disable": ["identity.nope"]}}, "t"))


def test_rules_and_explain_commands(repo: Repo) -> None:
    repo.write(".authgate.toml", """
[[rules.custom]]
id = "identity.custom.legacy-sso"
title = "Legacy SSO helper"
severity = "high"
regex = 'legacy_sso\\('
message = "legacy SSO used"
fix = "Use the OIDC client."
refs = ["ASVS 10.4.11"]
""")
    listing = repo.main("rules")
    assert listing.returncode == 0
    assert "identity.custom.legacy-sso  [high, warn]  Legacy SSO helper" in listing.stdout
    shown = repo.main("explain", "identity.custom.legacy-sso")
    assert shown.returncode == 0
    assert "fix:            Use the OIDC client." in shown.stdout
    assert "references:     ASVS 10.4.11" in shown.stdout
    missing = repo.main("explain", "identity.custom.legacy")
    assert missing.returncode == 2
    assert "did you mean: identity.custom.legacy-sso" in missing.stderr


def test_explain_shows_rule_params(repo: Repo) -> None:
    repo.write(".authgate.toml", """
[[rules.custom]]
id = "provenance.env.my-agent"
title = "In-house agent"
kind = "env"
message = "in-house agent environment"
params = { strength = "weak", vars = { MYAGENT = "", MYAGENT_SESSION = "^on$" } }
""")
    shown = repo.main("explain", "provenance.env.my-agent")
    assert shown.returncode == 0
    assert "params.strength:weak\n" in shown.stdout
    assert "params.vars:    {'MYAGENT': '', 'MYAGENT_SESSION': '^on$'}\n" in shown.stdout
