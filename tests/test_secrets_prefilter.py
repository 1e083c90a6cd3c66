"""The prefilter in front of detect-secrets is lossless, and keeps it unimported.

Lossless means: scanning with the prefilter gives exactly what scanning every line
gives. Shown on the labelled corpus against `detect-secrets scan` itself, and on lines
generated to sit at the edges of every plugin's pattern.
"""

from __future__ import annotations

import functools
import importlib
import json
import re
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from authgate.changes import FileChange, Hunk, Line, Status
from authgate.checks import secrets

from testing.leaks import corpus_changes, materialize

DETECT_SECRETS = str(Path(sys.executable).with_name("detect-secrets"))


def _keys(hits: list[secrets.SecretHit]) -> set[tuple[str, int, str, str]]:
    return {(h.path, h.line, h.secret_type, h.secret_hash) for h in hits}


def test_every_line_detect_secrets_reports_in_the_corpus_passes_the_prefilter(
        tmp_path: Path) -> None:
    files = materialize(tmp_path)
    proc = subprocess.run([DETECT_SECRETS, "scan", "-n", "--all-files", "."], cwd=tmp_path,
                          capture_output=True, text=True, check=True)
    reported = {(f, r["line_number"]) for f, rs in json.loads(proc.stdout)["results"].items()
                for r in rs}
    gate = secrets.prefilter()
    assert gate is not None
    cands = {(c.path, c.number): c for fc in corpus_changes().files
             for c in secrets.candidates(fc)}
    for path, number in reported:
        cand = cands[(path, number)]
        views = secrets.views(path, cand.text, cand.previous, cand.transformer)
        assert any(gate.search(v.line) for v in views), (path, number)
    assert len(reported) >= 25 and len(files) >= 20
    # And with and without the prefilter the scan is the same.
    every = list(cands.values())
    assert _keys(secrets.scan(every)) == _keys(secrets.scan(every, use_prefilter=False))


def test_the_prefilter_drops_most_ordinary_lines() -> None:
    gate = secrets.prefilter()
    assert gate is not None
    ordinary = ["def login(user: User) -> Session:", "    return redirect(url_for('home'))",
                "import os", "for i in range(10):", "}", '"""Docstring."""',
                "if not user.is_active:", "    raise PermissionDenied()"]
    assert not any(gate.search(line) for line in ordinary)
    # A quoted base64 run passes only over 4.5 bits of Shannon entropy: 23 different
    # characters have log2(23) = 4.52, 22 have 4.46, a long run of one letter none.
    b64 = "abcdefghijklmnopqrstuvw"
    assert gate.search(f'x = "{b64}"') and not gate.search(f'x = "{b64[:22]}"')
    assert not gate.search('x = "' + "g" * 60 + '"')
    # A quoted hex run over 3.0 bits: 9 different digits, not 8 (exactly 3.0).
    assert gate.search('x = "abcdef012"') and not gate.search('x = "abcdef01"')
    assert not gate.search('x = "' + "a" * 40 + '"')
    # The quotes must be equal, as the plugins' own pattern wants them.
    assert not gate.search(f"""x = "{b64}'""")
    # Twilio's patterns are case-sensitive, as the plugin's are: a lower-case "ac"
    # run is no account SID.
    run = "0123456789abcdef" * 2
    assert gate.search(f"sid = AC{run}") and gate.search(f"token = SK{run}")
    assert not gate.search(f"sid = ac{run}") and not gate.search(f"sid = Sk{run}")


def test_prefilter_follows_the_configured_plugins() -> None:
    only_aws = [{"name": "AWSKeyDetector"}]
    gate = secrets.prefilter(only_aws)
    assert gate is not None
    assert not gate.search('password = "hunter2"')
    assert gate.search("AKIA" + "Q7NR2KX5TLWM8ZPC")
    # The configured entropy limit is the gate's: 5.0 bits needs 33 different
    # characters (32 give exactly 5.0).
    gate = secrets.prefilter([{"name": "Base64HighEntropyString", "limit": 5.0}])
    assert gate is not None
    run = "abcdefghijklmnopqrstuvwxyz0123456"
    assert gate.search(f'"{run}"') and not gate.search(f'"{run[:32]}"')
    # A plugin the prefilter does not know: every line goes to detect-secrets.
    assert secrets.prefilter([{"name": "MyPlugin", "path": "file:///x.py"}]) is None
    # IPv4 addresses only matter when the filter that drops them is off.
    ip = [{"name": "IPPublicDetector"}]
    gate = secrets.prefilter(ip, None)
    assert gate is not None and not gate.search("8.8.8.8")
    other_filter = [{"path": "detect_secrets.filters.heuristic.is_sequential_string"}]
    gate = secrets.prefilter(ip, other_filter)
    assert gate is not None and gate.search("8.8.8.8")


def _shortest_match(regex: re.Pattern[str]) -> int:
    # The regex parser re uses itself (re._parser since 3.11, sre_parse before).
    parser = getattr(re, "_parser", None) or importlib.import_module("sre_parse")
    return int(parser.parse(regex.pattern, regex.flags).getwidth()[0])


def test_length_floors_never_exceed_the_plugins_shortest_match() -> None:
    """A shape need skips lines shorter than its `min_len`: no regex of the plugin may
    match anything shorter, or lines it reports would be dropped."""
    from detect_secrets.plugins.base import RegexBasedDetector
    from detect_secrets.settings import default_settings, get_plugins

    with default_settings():
        shortest = {type(p).__name__: min(_shortest_match(r) for r in p.denylist)
                    for p in get_plugins() if isinstance(p, RegexBasedDetector)}
    floors = {name: n.min_len for name, needs in secrets._NEEDS.items() for n in needs
              if n.min_len}
    assert "DiscordBotTokenDetector" in floors and len(floors) >= 5
    for name, floor in floors.items():
        assert floor <= shortest[name], (name, floor, shortest[name])


@functools.cache
def _default_plugins() -> dict[str, Any]:
    from detect_secrets.settings import default_settings, get_plugins

    secrets.engine._import_detect_secrets_offline()
    with default_settings():
        return {type(p).__name__: p for p in get_plugins()}


# Every plugin with needs but the keyword plugin, which has no regex list of its own:
# its needs are its DENYLIST's words, and the corpus test holds them to it.
@pytest.mark.parametrize("name", sorted(set(secrets._NEEDS) - {"KeywordDetector"}))
@settings(max_examples=120, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_line_a_plugin_reports_meets_that_plugins_own_needs(
        name: str, data: st.DataObject) -> None:
    """A line the gate passed goes only to the plugins whose own needs it meets
    (`may_report`): each plugin's needs must hold alone, not only all together (the
    gate's union once hid a SoftLayer key spelled `softlayer_api_key`, which only
    the keyword plugin's needs held). Lines drawn from the plugin's own regexes."""
    from authgate.checks.secrets.gate import may_report

    plugin = _default_plugins()[name]
    rx = data.draw(st.sampled_from(plugin.denylist))
    line = data.draw(st.from_regex(rx, alphabet=st.characters(min_codepoint=32,
                                                               max_codepoint=126)))
    reported = list(plugin.analyze_line(filename="a.py", line=line, line_number=1))
    assert not reported or may_report(name, line, line.lower()), line


def test_a_softlayer_key_after_api_and_a_separator_reaches_its_plugin() -> None:
    line = 'x = softlayer-api-key: "' + "0" * 63 + 'a"'
    hits = secrets.scan([secrets.Candidate("a.py", 1, line, "")])
    assert "SoftLayer Credentials" in {h.secret_type for h in hits}


def test_the_shortest_discord_token_is_found_with_the_prefilter() -> None:
    token = "M" + "0" * 23 + "." + "0" * 6 + "." + "0" * 27
    assert len(token) == 59
    hits = secrets.scan([secrets.Candidate("a.py", 1, token, "")])
    assert [(h.line, h.secret_type) for h in hits] == [(1, "Discord Bot Token")]


def test_non_ascii_lines_fold_case_as_the_plugins_regexes_do() -> None:
    gate = secrets.prefilter()
    assert gate is not None
    # re.IGNORECASE matches the long s with "s" and the Kelvin sign with "k";
    # str.lower() does not fold the long s. Such lines take the regex path.
    assert gate.search('PAſSWORD = "x"') and gate.search('api_\u212aey = "x"')
    assert gate.search('contraseña = "x"')
    assert not gate.search("naïve café")


# --- generated lines -----------------------------------------------------------------

_B64 = string.ascii_letters + string.digits + "+/=-_\\"
_HEX = string.hexdigits
_KEYS = ["password", "passwd", "pwd", "secret", "api_key", "apikey", "private_key", "db_pass",
         "token", "auth", "aws_secret_access_key", "cloudant_password", "cl_token",
         "sl_api_key", "softlayer_token", "ibm_cloud_iam_token", "cos_secret_access_key",
         "contraseña", "PASSWORD", "Secret_Key", "user", "id", "user_id", "PaſSWORD"]
_OPS = [" = ", "=", ": ", ":", " := ", " => ", " == ", " != ", "(", " ", ".assign(", ""]
_QUOTES = ['"', "'", "`", ""]
_PREFIXES = ["ghp_", "gho_", "glpat-", "glimt-", "GR1348941", "AKIA", "ASIA", "A3TX", "xoxb-",
             "xoxp-1-", "sk_live_", "rk_live_", "eyJ", "SG.", "AC", "SK", "AKC", "AP1",
             "sq0csp-", "pypi-AgEIcHlwaS5vcmc", "npm_", "M", "N",
             "https://hooks.slack.com/services/T", "https://u:", "AccountKey=",
             "-----BEGIN RSA PRIVATE KEY-----", "PuTTY-User-Key-File-2", "T3BlbkFJ",
             "//registry.npmjs.org/:_authToken=", "https://cloudant.com/", "12345678:"]
_PATHS = ["a.py", "b.go", "c.yaml", ".env", "d.js", "E.java", "f.tf", "g.cs", "h.txt",
          "settings.ini", "i.toml", "j.md", "k.cfg", "l.m", "m.cpp", ".npmrc"]


def _run(alphabet: str, lo: int, hi: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=lo, max_size=hi)


def _plugin_patterns() -> list[st.SearchStrategy[str]]:
    """Strings drawn from every regex-based plugin's own patterns."""
    from detect_secrets.plugins.base import RegexBasedDetector
    from detect_secrets.settings import default_settings, get_plugins

    with default_settings():
        return [st.from_regex(regex, fullmatch=True) for plugin in get_plugins()
                if isinstance(plugin, RegexBasedDetector) for regex in plugin.denylist]


_token = st.one_of(
    *_plugin_patterns(),
    _run(_B64, 1, 90), _run(_HEX, 1, 70), _run(string.ascii_lowercase + string.digits, 20, 70),
    st.builds(lambda p, t, e: p + t + e, st.sampled_from(_PREFIXES),
              st.one_of(_run(_B64, 0, 80), _run(_B64[:62] + "_-", 0, 80),
                        _run(string.ascii_uppercase + string.digits, 0, 40)),
              st.sampled_from(["", "@db.acme.net/x", ".", ";", '"', "-us1"])),
    st.builds(lambda a, b, c: f"M{a}.{b}.{c}", _run(_B64[:64], 23, 25), _run(_B64[:64], 6, 6),
              _run(_B64[:64], 27, 27)),
    st.builds(lambda a, b: f"{a}:{b}", _run(string.digits, 8, 10), _run(_B64[:64], 35, 35)),
    st.builds(lambda a: f"{a}-us7", _run(string.ascii_lowercase + string.digits, 32, 32)),
)
_segment = st.one_of(
    st.builds(lambda k, o, q, t: f"{k}{o}{q}{t}{q}", st.sampled_from(_KEYS),
              st.sampled_from(_OPS), st.sampled_from(_QUOTES), _token),
    st.builds(lambda q, t: f"{q}{t}{q}", st.sampled_from(_QUOTES), _token),
    st.text(alphabet=string.printable.strip() + " ", max_size=30),
)
_line = st.builds(lambda parts, sep: sep.join(parts), st.lists(_segment, min_size=1,
                                                               max_size=4),
                  st.sampled_from([" ", "; ", ", ", "  # "]))
_above = st.sampled_from(["", "x = 1", "# pragma: allowlist nextline secret",
                          "; pragma: allowlist nextline secret", "[section]"])


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.tuples(st.sampled_from(_PATHS), _line, _above), min_size=5, max_size=20))
# Hypothesis also draws constants found in the modules loaded at the time, so which
# examples it tries depends on the other test modules collected with this one: the
# examples it has found are pinned here.
@example([("a.py", "M" + "0" * 23 + "." + "0" * 6 + "." + "0" * 27, "")] * 5)
# A brace is no reserved character in a URL's user or password.
@example([("k.cfg", "://0:A{@", ""), ("b.go", "", "[section]")] * 3)
def test_prefilter_never_changes_what_detect_secrets_finds(
        rows: list[tuple[str, str, str]]) -> None:
    cands = [secrets.Candidate(path, i + 1, text, above)
             for i, (path, text, above) in enumerate(rows)]
    assert _keys(secrets.scan(cands)) == _keys(secrets.scan(cands, use_prefilter=False))


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.tuples(st.sampled_from(_PATHS), _line, _above), min_size=5, max_size=30))
# A line each that only the entropy check, a shape's anchor, the literal trie or the
# case folding of a line that is not ASCII lets through, among lines that hold nothing.
@example([("a.py", "x = 1", "y = 2"), ("a.py", 'k = "Zq8vR2mXw5Lp9TbN4cJ7hYdK"', ""),
          ("a.py", "M" + "0" * 23 + "." + "0" * 6 + "." + "0" * 27, "z = 3"),
          ("a.py", "bot = 12345678:" + "a" * 35, ""), ("a.py", "ok()", "db_pass = x"),
          ("a.py", 'PaſSWORD = "x"', ""), ("b.py", "sid = AC" + "0a" * 16, "ac" + "0" * 32),
          ("b.py", "x = SK" + "f" * 32, "y = 1")])
def test_a_file_gated_as_a_whole_finds_what_every_line_finds(
        rows: list[tuple[str, str, str]]) -> None:
    """`scan_files` gates each file over its joined text: never a line less."""
    by_path: dict[str, list[str]] = {}
    for path, text, above in rows:
        by_path.setdefault(path, []).extend([above, text])
    files = [FileChange(path=path, status=Status.ADDED, hunks=(Hunk(1, 1, tuple(
        Line("+", t, None, i) for i, t in enumerate(texts, 1))),))
        for path, texts in by_path.items()]
    every = [c for fc in files for c in secrets.candidates(fc)]
    assert _keys(secrets.scan_files(files)) == _keys(secrets.scan(every, use_prefilter=False))
    gate = secrets.prefilter()
    assert gate is not None
    for texts in by_path.values():
        assert gate.lines(texts) == [i for i, t in enumerate(texts) if gate.search(t)]


# --- import discipline ---------------------------------------------------------------

_PROBE = """
import sys
from authgate.changes import ChangeSet, FileChange, Hunk, Line, Status
from authgate import config, rules
from authgate.checks import leaks
text = sys.argv[1]
lines = tuple(Line("+", t, None, i) for i, t in enumerate(text.split("\\n"), 1))
fc = FileChange(path="app/views.py", status=Status.ADDED, hunks=(Hunk(1, 1, lines),))
cfg = config.Config()
found = leaks.run(ChangeSet(files=(fc,), source="index"), rules.load(cfg, ["leak"]), cfg)
print(len(found), "detect_secrets" in sys.modules, "requests" in sys.modules)
"""


def _probe(text: str) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", _PROBE, text], capture_output=True,
                          text=True, check=True)
    return proc.stdout.split()


def test_detect_secrets_is_imported_only_when_a_line_could_hold_a_secret() -> None:
    plain = "def index(request):\n    return render(request, 'index.html')\n"
    assert _probe(plain) == ["0", "False", "False"]
    assert _probe(plain + 'DB_PASSWORD = "Vb6Nm3Qw9Er2Ty5U"\n')[:2] == ["1", "True"]
