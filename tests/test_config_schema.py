"""The config schema, checked whole when the config loads: custom rules and their
params, every rule id the config names, and one error line (file, key, expected) with
exit 2 from every command that reads a config."""

from __future__ import annotations

import sys

import pytest

from authgate.config import Config, ConfigError, parse
from authgate.findings import Action, Finding, Severity
from authgate.policy import action_for
from authgate.rules import load

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

from testing import Repo

# --- custom rules: every key and each kind's params, at load -------------------------

BAD_RULES = [
    # A key no rule has (the defect: `config` passed it, `check` failed on it).
    ('id = "identity.custom.sso"\nregex = "sso"\nentropy = 3.5\n',
     "unknown key 'rules.custom[0].entropy' (known: action, exclude_paths, fix, id, "),
    # A param the family's check never reads: the rule would silently do nothing.
    ('id = "provenance.env.my-bot"\nkind = "env"\n'
     'params = { variables = ["MY_BOT"] }\n',
     "unknown key 'rules.custom[0].params.variables' (known: aliases, closing, "),
    ('id = "identity.custom.sso"\nregex = "sso"\nparams = { colour = "red" }\n',
     "unknown key 'rules.custom[0].params.colour' (known: absent, args, "),
    # A kind's own constraints, from the check that compiles the rule.
    ('id = "identity.custom.sso"\nregex = "sso"\nparams = { unless = "(" }\n',
     "key 'rules.custom[0].params.unless' does not compile: missing ), unterminated "
     "subpattern at position 0"),
    ('id = "leak.endpoint.lab"\nregex = "lab"\nparams = { match = "nearby" }\n',
     "key 'rules.custom[0].params.match' must be one of "),
    ('id = "provenance.env.my-bot"\nkind = "env"\nparams = { strength = "very" }\n',
     "key 'rules.custom[0].params.strength' must be \"strong\" or \"weak\""),
]


@pytest.mark.parametrize("body, expected", BAD_RULES)
def test_a_broken_custom_rule_fails_when_the_config_loads(body: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse(tomllib.loads("[[rules.custom]]\n" + body), ".authgate.toml")
    assert str(err.value).startswith(f".authgate.toml: {expected}"), str(err.value)
    assert "\n" not in str(err.value)


# --- every command that reads a config: exit 2, one line -----------------------------

BAD_CONFIG = {
    "custom-rule-key": ('[[rules.custom]]\nid = "identity.custom.sso"\nregex = "sso"\n'
                        'entropy = 3.5\n',
                        "unknown key 'rules.custom[0].entropy' (known: action, "),
    "unknown-id": ('[policy]\n"leak.endpoint.private-ip" = "off"\n',
                   "key 'policy.leak.endpoint.private-ip' names unknown rule "
                   "'leak.endpoint.private-ip' (did you mean 'leak.endpoint.private-ipv4'?)"),
}


def _repo_with(repo: Repo, config: str) -> str:
    """The bad config committed (hooks bypassed), a second commit, a staged change;
    returns the first commit, the base `verify` reads its policy from."""
    repo.write(".authgate.toml", config)
    repo.write("a.py", "a = 1\n")
    repo.add()
    base = repo.commit("policy")
    repo.write("b.py", "b = 1\n")
    repo.add()
    repo.commit("b")
    repo.write("c.py", "c = 1\n")
    repo.add()
    repo.write("msg.txt", "add c\n")
    return base


@pytest.mark.parametrize("case", sorted(BAD_CONFIG))
@pytest.mark.parametrize("command", ["check", "msg", "scan", "verify", "rules", "config"])
def test_every_command_exits_2_with_one_line_naming_file_and_key(
        repo: Repo, case: str, command: str) -> None:
    body, expected = BAD_CONFIG[case]
    base = _repo_with(repo, body)
    args = {"msg": ["msg", "msg.txt"], "verify": ["verify", "--range", f"{base}..HEAD"]}
    proc = repo.authgate(*args.get(command, [command]))
    shown = {"check": ".authgate.toml (staged)", "msg": ".authgate.toml (staged)",
             "verify": f".authgate.toml (at {base[:12]})"}.get(command, ".authgate.toml")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith(f"authgate: {shown}: {expected}"), proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and proc.stdout == ""
    if command == "msg":
        assert (repo.path / "msg.txt").read_text() == "add c\n"


def test_authgate_config_is_a_validator(repo: Repo) -> None:
    repo.write(".authgate.toml", '[rules]\ndisable = ["leak.endpoint"]\n')
    ok = repo.authgate("config")
    assert ok.returncode == 0 and ok.stderr == ""
    assert 'disable = ["leak.endpoint"]' in ok.stdout
    repo.write(".authgate.toml", '[rules]\ndisable = ["leak.endpoints"]\n')
    bad = repo.authgate("config")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr == ("authgate: .authgate.toml: key 'rules.disable' names unknown rule "
                          "'leak.endpoints' (did you mean 'leak.endpoint'?)\n")


# --- rule ids and prefixes the config names ------------------------------------------

UNKNOWN = [
    ({"policy": {"identity.pattern.tls-verify-disabled": "annotate"}},
     "key 'policy.identity.pattern.tls-verify-disabled' names unknown rule "
     "'identity.pattern.tls-verify-disabled' (did you mean "
     "'identity.tls.verification-disabled'?)"),
    ({"policy": {"leak.endpint@comment": "off"}},
     "key 'policy.leak.endpint@comment' names unknown rule 'leak.endpint' "
     "(did you mean 'leak.endpoint'?)"),
    ({"rules": {"disable": ["provenance.env.claude"]}},
     "key 'rules.disable' names unknown rule 'provenance.env.claude' "
     "(did you mean 'provenance.env.claude-code'?)"),
    ({"rules": {"severity": {"leak.endpont.webhook": "low"}}},
     "key 'rules.severity.leak.endpont.webhook' names unknown rule 'leak.endpont.webhook' "
     "(did you mean 'leak.endpoint.webhook'?)"),
    ({"allowlist": [{"rule": "leak.endpoint.private-ip", "reason": "lab"}]},
     "key 'allowlist[0].rule' names unknown rule 'leak.endpoint.private-ip' "
     "(did you mean 'leak.endpoint.private-ipv4'?)"),
    # A prefix is cut at a dot: `leak.end` names nothing.
    ({"policy": {"leak.end": "off"}},
     "key 'policy.leak.end' names unknown rule 'leak.end' (did you mean 'leak.endpoint'?)"),
    ({"policy": {"*": "off"}},
     "key 'policy.*' names no rule: '*' alone matches nothing (name a family: identity, "
     "leak, provenance)"),
    ({"policy": {"zzz.qqq": "off"}},
     "key 'policy.zzz.qqq' names unknown rule 'zzz.qqq' (see `authgate rules`)"),
]


@pytest.mark.parametrize("table, expected", UNKNOWN)
def test_a_rule_id_that_names_no_rule_is_an_error_naming_the_closest(
        table: dict[str, object], expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse(table, "pyproject.toml [tool.authgate]")
    assert str(err.value) == f"pyproject.toml [tool.authgate]: {expected}"


def test_ids_and_prefixes_that_exist_are_accepted_custom_rules_included() -> None:
    cfg = parse({"policy": {"leak.endpoint@comment": "off", "identity.jwt": "block",
                            "identity.custom.sso": "block", "provenance.*": "warn"},
                 "rules": {"disable": ["provenance.env.agent-other", "leak.endpoint.*"],
                           "severity": {"identity.custom": "low"},
                           "custom": [{"id": "identity.custom.sso", "regex": "sso"}]},
                 "allowlist": [{"rule": "identity.custom.sso", "reason": "legacy"}]}, "t")
    assert cfg.policy["identity.custom.sso"] == "block"


# --- one matching, everywhere ----------------------------------------------------------

def _finding(rule_id: str, context: str = "code") -> Finding:
    return Finding(rule_id=rule_id, severity=Severity.MEDIUM, message="m", context=context,
                   action=Action.WARN)


@pytest.mark.parametrize("policy, rule_id, context, expected", [
    ({"leak.endpoint": "off"}, "leak.endpoint.webhook", "code", Action.OFF),
    ({"leak.endpoint.*": "off"}, "leak.endpoint.webhook", "code", Action.OFF),
    ({"leak.endpoint*": "off"}, "leak.endpoint.webhook", "code", Action.OFF),
    ({"leak.endpoint.*": "off"}, "leak.endpointx.y", "code", Action.WARN),
    ({"leak": "block", "leak.endpoint@comment": "off"}, "leak.endpoint.webhook", "comment",
     Action.OFF),
    ({"leak": "block", "leak.endpoint@comment": "off"}, "leak.endpoint.webhook", "code",
     Action.BLOCK),
    # The longest key wins, and at equal length the one scoped to the context.
    ({"leak.endpoint.webhook": "annotate", "leak.endpoint@code": "off"},
     "leak.endpoint.webhook", "code", Action.ANNOTATE),
    ({"leak.endpoint": "annotate", "leak.endpoint@code": "off"},
     "leak.endpoint.webhook", "code", Action.OFF),
])
def test_policy_keys_match_by_id_prefix_star_and_context(
        policy: dict[str, str], rule_id: str, context: str, expected: Action) -> None:
    assert action_for(_finding(rule_id, context), policy) is expected


def test_disable_and_severity_take_the_same_patterns_as_policy() -> None:
    cfg = parse({"rules": {"disable": ["leak.endpoint.*"],
                           "severity": {"identity.jwt": "low",
                                        "identity.jwt.none-algorithm": "info"}}}, "t")
    ruleset = load(cfg)
    assert not [r.id for r in ruleset if r.id.startswith("leak.endpoint.")]
    assert ruleset.get("leak.secret.aws-access-key") is not None \
        or any(r.id.startswith("leak.secret.") for r in ruleset)
    jwt = {r.id: r.severity for r in ruleset if r.id.startswith("identity.jwt.")}
    assert jwt["identity.jwt.none-algorithm"] is Severity.INFO
    assert {s for i, s in jwt.items() if i != "identity.jwt.none-algorithm"} == {Severity.LOW}


def test_config_without_rule_ids_reads_no_catalog() -> None:
    # Cheap on the commit path: only a config that names rules loads the catalogs.
    from authgate import rules

    rules._CACHE.clear()
    parse({"max_file_size": 10, "exclude": ["vendor/"]}, "t")
    assert rules._CACHE == {}
    assert parse({}, "t") == Config(source="t")


# --- the agent variables the hooks capture come from the catalog ----------------------

MY_BOT = '''ai = "disclose"

[[rules.custom]]
id = "provenance.env.my-bot"
title = "In-house bot"
kind = "env"
message = "the in-house coding bot ran this commit"
params = { tool = "my-bot", strength = "strong", vars = { MY_BOT_SESSION = "" } }
'''


def _bot_policy_and_a_staged_change(repo: Repo) -> None:
    repo.write(".authgate.toml", MY_BOT)
    repo.add()
    repo.commit("policy")
    repo.write("a.py", "a = 1\n")
    repo.add()


def test_a_custom_env_rule_fires_in_check_for_any_variable_name(repo: Repo) -> None:
    _bot_policy_and_a_staged_change(repo)
    with_bot = repo.authgate("check", env={"MY_BOT_SESSION": "1"})
    assert with_bot.returncode == 0
    assert ("(environment): provenance.env.my-bot: the in-house coding bot ran this commit "
            "[MY_BOT_SESSION=1] (fp 394d5f0e31d8)\n") in with_bot.stdout
    assert "AI-assisted: my-bot;" in with_bot.stdout
    without = repo.authgate("check")
    assert "my-bot" not in without.stdout and "AI-assisted" not in without.stdout


def test_a_custom_env_rule_fires_in_msg_and_a_real_commit(repo: Repo) -> None:
    _bot_policy_and_a_staged_change(repo)
    repo.write("msg.txt", "add a\n")
    proc = repo.authgate("msg", "msg.txt", env={"MY_BOT_SESSION": "1"})
    assert proc.returncode == 0, proc.stderr
    assert "AI-Assisted: my-bot\n" in (repo.path / "msg.txt").read_text()

    # Through git itself: the hooks `authgate install` writes, the variable in the
    # committer's environment.
    (repo.path / "msg.txt").unlink()
    assert repo.authgate("install").returncode == 0
    repo.git("commit", "-q", "-m", "add a", env={"MY_BOT_SESSION": "1"})
    assert "\nAI-Assisted: my-bot\n" in repo.out("log", "-1", "--format=%B") + "\n"
    repo.write("b.py", "b = 1\n")
    repo.add()
    repo.git("commit", "-q", "-m", "add b")
    assert "AI-Assisted" not in repo.out("log", "-1", "--format=%B")
