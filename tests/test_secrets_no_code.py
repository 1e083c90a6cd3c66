"""No code from content: a committed `.secrets.baseline` cannot make authgate run
repository code (issue 16).

detect-secrets imports what a baseline names: a plugin from a `file://` path, a filter
from `file://x.py::fn`, or a filter by dotted name, looked up on sys.path, where the
repository sits when authgate runs as `python -m authgate`. The baseline is part of the
change being judged, so such an entry is refused with one line (exit 2) and never
handed to detect-secrets. Each planted module below would create a marker file if it
were ever imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from authgate.checks import secrets
from authgate.config import ConfigError

from testing import Repo, Result

MARKER = "IMPORTED"
# Creates the marker next to the repository root when imported, then behaves as a
# detect-secrets plugin or filter would, so nothing else fails first.
PLANTED = '''
import os
import re
from pathlib import Path

for parent in Path(__file__).resolve().parents:
    if (parent / ".git").exists():
        (parent / "IMPORTED").write_text("planted code ran")
        break

from detect_secrets.plugins.base import RegexBasedDetector


class AcmeTokenDetector(RegexBasedDetector):
    secret_type = "Acme Token"
    denylist = (re.compile(r"acme_[0-9a-f]{12}"),)


def should_exclude_secret(secret):
    return False
'''


def _baseline(**entries: object) -> str:
    doc = {"version": "1.5.0", "plugins_used": [{"name": "KeywordDetector"}],
           "filters_used": [], "results": {}}
    doc.update(entries)
    return json.dumps(doc)


def _cases(repo: Repo) -> dict[str, str]:
    plugin = repo.write("tools/acme_plugin.py", PLANTED)
    repo.write("acme_filter.py", PLANTED)  # at the root: importable by dotted name
    return {
        "plugin file": _baseline(plugins_used=[{"name": "AcmeTokenDetector",
                                                "path": plugin.as_uri()}]),
        "filter file": _baseline(filters_used=[
            {"path": f"file://{plugin}::should_exclude_secret"}]),
        "filter module": _baseline(filters_used=[
            {"path": "acme_filter.should_exclude_secret"}]),
    }


def _one_line_refusal(proc: Result) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith("authgate: .secrets.baseline: ")
    assert "refused: authgate runs no code from the repository" in lines[0]
    return lines[0]


@pytest.mark.parametrize("case", ["plugin file", "filter file", "filter module"])
def test_check_refuses_a_baseline_naming_code_and_never_runs_it(repo: Repo, case: str) -> None:
    baseline = _cases(repo)[case]
    repo.write(".secrets.baseline", baseline)
    repo.write("app/client.py", 'TOKEN = "acme_' + '0a1b2c3d4e5f"\npassword = "x"\n')
    repo.add()
    line = _one_line_refusal(repo.main("check"))
    assert ("plugins_used" if case == "plugin file" else "filters_used") in line
    assert not (repo.path / MARKER).exists(), "the planted code ran"
    # The same through `msg` (the commit gate) and, once committed, `scan`.
    message = repo.path / ".git" / "COMMIT_EDITMSG"
    message.write_text("Add client\n", encoding="utf-8")
    _one_line_refusal(repo.main("msg", str(message)))
    assert message.read_text(encoding="utf-8") == "Add client\n"
    repo.commit("with the hooks skipped")
    _one_line_refusal(repo.main("scan"))
    assert not (repo.path / MARKER).exists(), "the planted code ran"


def test_verify_refuses_a_committed_baseline_naming_code(repo: Repo) -> None:
    repo.write("README.md", "x\n")
    repo.add()
    base = repo.commit("base")
    repo.write(".secrets.baseline", _cases(repo)["plugin file"])
    repo.write("app/client.py", 'TOKEN = "acme_' + '0a1b2c3d4e5f"\n')
    repo.add()
    head = repo.commit("a baseline with a plugin")
    _one_line_refusal(repo.main("verify", "--range", f"{base}..{head}", "--jobs", "1"))
    assert not (repo.path / MARKER).exists(), "the planted code ran in verify"


def test_the_commit_hook_shows_the_reason_and_runs_nothing(hooked_repo: Repo) -> None:
    hooked_repo.write(".secrets.baseline", _cases(hooked_repo)["plugin file"])
    hooked_repo.write("app/client.py", "x = 1\n")
    hooked_repo.add()
    proc = subprocess.run(["git", "commit", "-m", "client"], cwd=hooked_repo.path,
                          capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "plugins_used names 'file://" in out and "refused: authgate runs no code" in out
    assert not (hooked_repo.path / MARKER).exists(), "the planted code ran in the hook"
    assert hooked_repo.out("rev-list", "--count", "HEAD") == "1"  # nothing committed


@pytest.mark.parametrize(("entry", "says"), [
    ({"plugins_used": [{"name": "KeywordDetector", "path": "file:///tmp/x.py"}]},
     "plugins_used names 'file:///tmp/x.py'"),
    ({"plugins_used": [{"name": "NoSuchDetector"}]}, "plugins_used names 'NoSuchDetector'"),
    ({"filters_used": [{"path": "os.system"}]}, "filters_used names 'os.system'"),
    ({"filters_used": [{"path": "detect_secrets.filters.heuristic.os"}]},
     "filters_used names 'detect_secrets.filters.heuristic.os'"),
    ({"filters_used": [{"path": "detect_secrets.filters.wordlist.should_exclude_secret",
                        "file_name": "words.txt", "min_length": 3}]},
     "a word list file ('words.txt')"),
    ({"filters_used": [{"path": "detect_secrets.filters.gibberish.should_exclude_secret",
                        "model": "m.model", "limit": 3.7}]},
     "a model file ('m.model')"),
    ({"filters_used": [{"path": "file:///tmp/x.py::f\nsecond line"}]}, "\\nsecond line"),
])
def test_every_way_to_name_code_or_files_is_refused(entry: dict[str, object], says: str
                                                     ) -> None:
    with pytest.raises(ConfigError) as err:
        secrets.parse_baseline(_baseline(**entry))
    assert says in str(err.value) and "\n" not in str(err.value)


def test_detect_secrets_own_settings_are_accepted(tmp_path: Path) -> None:
    # What `detect-secrets scan` writes, with and without its options, passes.
    (tmp_path / "app.py").write_text("x = 1\n")
    for extra in ([], ["--exclude-lines", "^x"], ["--exclude-secrets", "abc"],
                  ["--exclude-files", "vendor/"], ["--disable-plugin", "AWSKeyDetector"]):
        proc = subprocess.run([sys.executable, "-m", "detect_secrets", "scan", *extra,
                               "app.py"], cwd=tmp_path, capture_output=True, text=True,
                              check=True)
        baseline = secrets.parse_baseline(proc.stdout)
        assert baseline.plugins_used and baseline.filters_used
