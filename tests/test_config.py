"""Config: defaults, every key, precedence, one-line errors, `authgate config`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from authgate import config
from authgate.config import AllowEntry, Config, ConfigError, TrailerNames

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

from testing import Repo

# Every key, each set to something other than its default.
FULL = r'''
max_file_size = 1234
exclude = ["vendor/", "**/*.min.js"]
ai = "disclose"
internal_domains = ["corp.example.net"]
production_domains = ["api.example.com", "login.example.com"]
security_owners = ["@acme/security"]
approvers = ["alice@example.com"]
require_approval = true
baseline = "ci/.secrets.baseline"

[reviews]
high = ["security"]
none = []

[policy]
"leak.endpoint@code" = "block"
identity = "warn"
missing_tests_ai = "annotate"

[trailers]
impact = "X-Impact"
reviews = "X-Review"
ai = "X-AI"
tree = "X-Tree"
suppressed = "X-Suppressed"

[paths]
high = ["src/iam/**"]
critical = ["/keys/"]

[rules]
disable = ["provenance.env.agent"]
severity = { "leak.endpoint.internal-host" = "low" }

[[rules.custom]]
id = "identity.custom.legacy-sso"
title = "Legacy \"SSO\" helper\twith a tab"
severity = "high"
regex = 'legacy_sso\(\s*"'
keywords = ["legacy_sso"]
lines = "added"
[rules.custom.params]
topic = "session"
near = ["sso", "login"]

[[allowlist]]
rule = "leak.endpoint.private-ipv4"
path = "deploy/compose/"
reason = "the compose network\nis private"

[[allowlist]]
hash = "ab12"
reason = "accepted test key"
'''

EXPECTED = Config(
    source="t",
    max_file_size=1234,
    exclude=("vendor/", "**/*.min.js"),
    ai="disclose",
    internal_domains=("corp.example.net",),
    production_domains=("api.example.com", "login.example.com"),
    security_owners=("@acme/security",),
    approvers=("alice@example.com",),
    require_approval=True,
    baseline="ci/.secrets.baseline",
    reviews={"low": ("code-owner",), "medium": ("code-owner",), "high": ("security",),
             "critical": ("code-owner", "iam", "security"), "none": ()},
    policy={"leak.endpoint@code": "block", "identity": "warn"},
    missing_tests_ai_action="annotate",
    trailers=TrailerNames("X-Impact", "X-Review", "X-AI", "X-Tree", "X-Suppressed"),
    paths={"high": ("src/iam/**",), "critical": ("/keys/",)},
    disable=("provenance.env.agent",),
    severity={"leak.endpoint.internal-host": "low"},
    custom_rules=({"id": "identity.custom.legacy-sso",
                   "title": 'Legacy "SSO" helper\twith a tab', "severity": "high",
                   "regex": 'legacy_sso\\(\\s*"', "keywords": ["legacy_sso"],
                   "lines": "added",
                   "params": {"topic": "session", "near": ["sso", "login"]}},),
    allowlist=(AllowEntry(reason="the compose network\nis private",
                          rule="leak.endpoint.private-ipv4", path="deploy/compose/"),
               AllowEntry(reason="accepted test key", hash="ab12")),
)


def same(a: Config, b: Config) -> bool:
    """Equal in every key (where a config came from is not a key)."""
    return a._replace(source="") == b._replace(source="")


def test_the_toml_reader_is_tomllib_or_tomli_before_3_11() -> None:
    # Imported when TOML is parsed (config.tomllib), not with the module.
    assert config.tomllib().__name__ == ("tomllib" if sys.version_info >= (3, 11) else "tomli")


# --- no config is a valid config -------------------------------------------------------

def test_no_file_gives_the_defaults(tmp_path: Path) -> None:
    cfg = config.load(str(tmp_path))
    assert cfg == Config()
    assert cfg.source == "(defaults)" and cfg.max_file_size == 2_000_000
    assert cfg.reviews["high"] == ("code-owner", "iam", "security")


def test_pyproject_without_a_tool_authgate_table_gives_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.black]\nx = 1\n')
    cfg = config.load(str(tmp_path))
    assert same(cfg, Config())
    assert cfg.source.startswith("pyproject.toml")


def test_empty_authgate_toml_gives_the_defaults(tmp_path: Path) -> None:
    (tmp_path / ".authgate.toml").write_text("")
    cfg = config.load(str(tmp_path))
    assert same(cfg, Config()) and cfg.source == ".authgate.toml"


def test_empty_tool_authgate_table_gives_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.authgate]\n")
    assert same(config.load(str(tmp_path)), Config())


# --- every key -------------------------------------------------------------------------

def test_every_key_is_read() -> None:
    assert same(config.parse(tomllib.loads(FULL), "t"), EXPECTED)


def test_every_key_round_trips_through_as_toml() -> None:
    cfg = config.parse(tomllib.loads(FULL), "t")
    printed = config.as_toml(cfg)
    again = config.parse(tomllib.loads(printed)["tool"]["authgate"], "t")
    assert same(again, cfg)
    # The defaults round-trip too.
    printed = config.as_toml(Config())
    assert same(config.parse(tomllib.loads(printed)["tool"]["authgate"], "t"), Config())


def test_pyproject_table_is_read(tmp_path: Path) -> None:
    body = "".join(
        line.replace("[[", "[[tool.authgate.").replace("[rules.custom.params]",
                                                        "[tool.authgate.rules.custom.params]")
        if line.startswith("[[") or line.startswith("[rules.custom.params]")
        else line.replace("[", "[tool.authgate.", 1) if line.startswith("[") else line
        for line in FULL.splitlines(keepends=True))
    (tmp_path / "pyproject.toml").write_text("[tool.authgate]\n" + body)
    cfg = config.load(str(tmp_path))
    assert same(cfg, EXPECTED)
    assert cfg.source == "pyproject.toml [tool.authgate]"


def test_authgate_toml_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.authgate]\nmax_file_size = 111\n")
    (tmp_path / ".authgate.toml").write_text("max_file_size = 222\n")
    cfg = config.load(str(tmp_path))
    assert (cfg.max_file_size, cfg.source) == (222, ".authgate.toml")


def test_explicit_file_wins_over_both(tmp_path: Path) -> None:
    (tmp_path / ".authgate.toml").write_text("max_file_size = 222\n")
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "strict.toml").write_text('ai = "forbid"\n')
    cfg = config.load(str(tmp_path), "ci/strict.toml")
    assert (cfg.ai, cfg.max_file_size, cfg.source) == ("forbid", 2_000_000, "ci/strict.toml")
    with pytest.raises(ConfigError, match=r"^ci/nope\.toml: config file not found$"):
        config.load(str(tmp_path), "ci/nope.toml")


def test_printed_config_saved_as_authgate_toml_is_accepted(tmp_path: Path) -> None:
    # `authgate config > .authgate.toml` must give a working config, not an error.
    cfg = config.parse(tomllib.loads(FULL), "t")
    (tmp_path / ".authgate.toml").write_text(config.as_toml(cfg))
    assert same(config.load(str(tmp_path)), cfg)


# --- errors: one line naming the file, the key and what was expected -------------------

BAD = [
    ("max_file_size = \"2MB\"\n", "max_file_size", "a positive integer"),
    ("max_file_size = 0\n", "max_file_size", "a positive integer"),
    ("max_file_size = true\n", "max_file_size", "a positive integer"),
    ("exclude = \"vendor/\"\n", "exclude", "an array of strings"),
    ("exclude = [1]\n", "exclude", "an array of strings"),
    ("ai = \"sometimes\"\n", "ai", '"allow" | "disclose" | "forbid"'),
    ("require_approval = \"yes\"\n", "require_approval", "a boolean"),
    ("baseline = 1\n", "baseline", "a string"),
    ("colour = \"red\"\n", "colour", "known:"),
    ("reviews = [\"x\"]\n", "reviews", "a table"),
    ("[reviews]\nhigh = \"security\"\n", "reviews.high", "an array of strings"),
    ("[reviews]\nsevere = []\n", "reviews.severe", "none, low, medium, high, critical"),
    ("[policy]\nleak = \"stop\"\n", "policy.leak", '"block" | "annotate" | "warn" | "off"'),
    ("[policy]\nmissing_tests_ai = 1\n", "policy.missing_tests_ai", '"block"'),
    ("[trailers]\nimpact = 3\n", "trailers.impact", "a string"),
    ("[trailers]\nimpact = \"Has Space\"\n", "trailers.impact", "a trailer name"),
    ("[trailers]\ncolour = \"X\"\n", "trailers.colour", "known:"),
    ("[paths]\nhigh = \"src/\"\n", "paths.high", "an array of strings"),
    ("[rules]\ndisable = \"x\"\n", "rules.disable", "an array of strings"),
    ("[rules]\nseverity = { x = \"huge\" }\n", "rules.severity.x", '"info" | "low"'),
    ("[rules]\ncustom = { id = \"x\" }\n", "rules.custom", "an array of tables"),
    ("[rules]\nenable = []\n", "rules.enable", "known:"),
    ("allowlist = { rule = \"x\" }\n", "allowlist", "an array of tables"),
    ("[[allowlist]]\nrule = \"x\"\n", "allowlist[0].reason", "a string saying why"),
    ("[[allowlist]]\nrule = \"x\"\nreason = \" \"\n", "allowlist[0].reason", "say why"),
    ("[[allowlist]]\nreason = \"r\"\n", "allowlist[0]", "at least one of rule, path, hash"),
    ("[[allowlist]]\nreason = \"r\"\nrule = 1\n", "allowlist[0].rule", "a string"),
    ("[[allowlist]]\nreason = \"r\"\nfile = \"x\"\n", "allowlist[0].file", "known:"),
]


@pytest.mark.parametrize("body, key, expected", BAD)
def test_bad_authgate_toml_is_one_line_naming_file_key_and_type(
        tmp_path: Path, body: str, key: str, expected: str) -> None:
    (tmp_path / ".authgate.toml").write_text(body)
    with pytest.raises(ConfigError) as err:
        config.load(str(tmp_path))
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(".authgate.toml: ")
    assert f"'{key}'" in message
    assert expected in message


@pytest.mark.parametrize("body, key, expected", BAD[:3] + BAD[10:13])
def test_bad_pyproject_names_the_table(tmp_path: Path, body: str, key: str,
                                       expected: str) -> None:
    prefixed = ("[tool.authgate." + body[1:]) if body.startswith("[") else (
        "[tool.authgate]\n" + body)
    (tmp_path / "pyproject.toml").write_text(prefixed)
    with pytest.raises(ConfigError) as err:
        config.load(str(tmp_path))
    message = str(err.value)
    assert message.startswith("pyproject.toml [tool.authgate]: ") and "\n" not in message
    assert f"'{key}'" in message and expected in message


@pytest.mark.parametrize("name, body, fragment", [
    (".authgate.toml", "max_file_size = \n", ".authgate.toml: invalid TOML: "),
    ("pyproject.toml", "[tool.authgate\n", "pyproject.toml: invalid TOML: "),
    ("pyproject.toml", "tool = 1\n", "pyproject.toml: key 'tool' must be a table"),
    ("pyproject.toml", "[tool]\nauthgate = 1\n", "pyproject.toml: key 'tool.authgate' "
                                                 "must be a table"),
    (".authgate.toml", b"ai = \"\xff\"\n", ".authgate.toml: "),
])
def test_unreadable_config_is_one_line(tmp_path: Path, name: str, body: str | bytes,
                                       fragment: str) -> None:
    target = tmp_path / name
    if isinstance(body, bytes):
        target.write_bytes(body)
    else:
        target.write_text(body)
    with pytest.raises(ConfigError) as err:
        config.load(str(tmp_path))
    assert str(err.value).startswith(fragment) and "\n" not in str(err.value)


def test_parse_rejects_a_non_table() -> None:
    bad: Any = ["x"]
    with pytest.raises(ConfigError, match=r"^src: expected a table$"):
        config.parse(bad, "src")


# --- through the command line ----------------------------------------------------------

def test_authgate_config_prints_the_effective_config(repo: Repo) -> None:
    repo.write("pyproject.toml", "[tool.authgate]\nmax_file_size = 4242\n"
                                 "[tool.authgate.policy]\n\"leak.endpoint\" = \"off\"\n")
    repo.write(".authgate.toml", FULL)
    proc = repo.main("config")
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.startswith("# effective authgate config, from .authgate.toml\n")
    printed = tomllib.loads(proc.stdout)["tool"]["authgate"]
    assert printed["max_file_size"] == 1234
    assert same(config.parse(printed, "t"), EXPECTED)

    (repo.path / ".authgate.toml").unlink()
    proc = repo.main("config")
    printed = tomllib.loads(proc.stdout)["tool"]["authgate"]
    assert printed["max_file_size"] == 4242
    assert printed["policy"]["leak.endpoint"] == "off"
    assert "from pyproject.toml [tool.authgate]" in proc.stdout.splitlines()[0]


def test_authgate_config_with_no_config_prints_the_defaults(repo: Repo) -> None:
    proc = repo.main("config")
    assert proc.returncode == 0
    assert same(config.parse(tomllib.loads(proc.stdout)["tool"]["authgate"], "t"), Config())


@pytest.mark.parametrize(("command", "shown"), [
    (["check"], ".authgate.toml (staged)"), (["config"], ".authgate.toml"),
    (["scan"], ".authgate.toml")])
def test_broken_config_exits_2_with_one_line(repo: Repo, command: list[str],
                                             shown: str) -> None:
    repo.write("a.py", "a = 1\n")
    repo.add()
    repo.commit()
    repo.write("b.py", "b = 1\n")
    repo.write(".authgate.toml", "max_file_size = \"big\"\n")
    repo.add()
    proc = repo.main(*command)
    assert proc.returncode == 2
    assert proc.stderr == (f"{shown}: key 'max_file_size' must be a positive "
                           "integer up to 2147483647, got 'big'\n").join(["authgate: ", ""])
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_invalid_toml_through_check_is_one_line(repo: Repo) -> None:
    repo.write("pyproject.toml", "[tool.authgate]\nexclude = [\n")
    repo.write("a.py", "a = 1\n")
    repo.add()
    proc = repo.main("check")
    assert proc.returncode == 2
    assert proc.stderr.startswith("authgate: pyproject.toml (staged): invalid TOML: ")
    assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr
