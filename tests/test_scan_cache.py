"""`authgate scan` judges each committed blob once: its findings are kept under
.git/authgate/ and a second scan reuses them. What a user sees must not depend on it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from authgate import scancache

from testing import Repo

# Assembled: no credential-shaped literal in the repository.
KEY = "AKIA" + "Q7NR2KX5TLWM8ZPC"
TOKEN = "ghp_" + "Q7x2" * 9
ELIDED = "def f():\n    # ... existing code ...\n    return 1\n"
# An identity finding and a secret on one line: the cached leak finding's secret must
# still redact the identity finding that is judged fresh.
LOGIN = ("import jwt\nimport requests\n\n\ndef login(token):\n"
         "    claims = jwt.decode(token, options={'verify_signature': False})\n"
         "    requests.get('https://api.example.com', verify=False,"
         f" headers={{'Authorization': 'token {TOKEN}'}})\n"
         "    return claims\n")


def _cache(repo: Repo) -> str:
    return os.path.join(repo.path, ".git", scancache.FILE)


def _project(repo: Repo) -> None:
    repo.write("app/ok.py", "x = 1\n")
    repo.write("app/bad.py", ELIDED)
    repo.write("config/settings.py", f'AWS_ACCESS_KEY_ID = "{KEY}"\n')
    repo.write("auth/login.py", LOGIN)
    for i in range(5):
        repo.write(f"lib/m{i}.py", f"value = {i}\n" * 20)
    repo.add()
    repo.commit()


def _scan(repo: Repo, *args: str) -> tuple[int, str, str]:
    proc = repo.authgate("scan", "--jobs", "1", *args)
    assert proc.stderr == "", proc.stderr
    return proc.returncode, proc.stdout, proc.stderr


def _same_with_and_without_cache(repo: Repo, fmt: str) -> str:
    fresh = _scan(repo, "--no-cache", "--format", fmt)
    assert fresh == _scan(repo, "--format", fmt)  # cold: fills the cache
    assert os.path.isfile(_cache(repo))
    assert fresh == _scan(repo, "--format", fmt)  # warm: read from it
    return fresh[1]


def test_findings_are_identical_with_and_without_the_cache(repo: Repo) -> None:
    _project(repo)
    text = _same_with_and_without_cache(repo, "text")
    assert "app/bad.py:2: provenance.artifact." in text
    assert "config/settings.py:1: leak." in text
    assert "auth/login.py" in text
    doc = json.loads(_same_with_and_without_cache(repo, "json"))
    assert doc  # a report, the same bytes either way
    assert KEY not in text and TOKEN not in text


def test_no_cache_neither_reads_nor_writes_it(repo: Repo) -> None:
    _project(repo)
    _scan(repo, "--no-cache")
    assert not os.path.exists(_cache(repo))


def test_a_changed_file_is_judged_again(repo: Repo) -> None:
    _project(repo)
    before = _scan(repo)[1]
    assert "app/bad.py:2: provenance.artifact." in before
    repo.write("app/bad.py", "def f():\n    return 1\n")
    repo.write("lib/m0.py", f'token = "{TOKEN}"\n')
    repo.add()
    repo.commit()
    after = _scan(repo)
    assert "app/bad.py" not in after[1]
    assert "lib/m0.py:1: leak." in after[1]
    assert after == _scan(repo, "--no-cache")


def test_a_changed_config_is_judged_again(repo: Repo) -> None:
    _project(repo)
    assert "provenance.artifact." in _scan(repo)[1]
    repo.write(".authgate.toml", '[rules]\ndisable = ["provenance.artifact"]\n')
    after = _scan(repo)
    assert "provenance.artifact." not in after[1]
    assert after == _scan(repo, "--no-cache")
    repo.write(".authgate.toml", "")
    assert "app/bad.py:2: provenance.artifact." in _scan(repo)[1]


def test_a_damaged_or_foreign_cache_is_ignored(repo: Repo) -> None:
    _project(repo)
    fresh = _scan(repo, "--no-cache")
    _scan(repo)
    good = Path(_cache(repo)).read_text(encoding="utf-8")
    doc = json.loads(good)
    # An entry claiming a clean file for every blob, from another version.
    forged = {"format": scancache.FORMAT, "version": "0.0.0-other",
              "entries": {k: [] for k in doc["entries"]}}
    damaged = [good[: len(good) // 2], "\x00garbage", json.dumps({"format": "x"}),
               json.dumps(forged),
               json.dumps({**doc, "entries": {k: [{"rule_id": 1}] for k in doc["entries"]}})]
    for text in damaged:
        with open(_cache(repo), "w", encoding="utf-8") as fh:
            fh.write(text)
        assert _scan(repo) == fresh
    # The run that ignored it wrote a good one again.
    assert _scan(repo) == fresh
    assert json.loads(Path(_cache(repo)).read_text(encoding="utf-8"))["entries"]


def test_the_cache_never_holds_a_secret(repo: Repo) -> None:
    _project(repo)
    _scan(repo)
    stored = Path(_cache(repo)).read_text(encoding="utf-8")
    for secret in (KEY, TOKEN):
        assert secret not in stored
        assert secret[2:-2] not in stored
    # What it holds are the findings the report shows.
    entries = json.loads(stored)["entries"]
    rules = {d["rule_id"] for found in entries.values() for d in found}
    assert any(r.startswith("leak.") for r in rules)
    assert any(r.startswith("identity.") for r in rules)


def test_the_cache_stays_under_its_bound(repo: Repo) -> None:
    _project(repo)
    fresh = _scan(repo, "--no-cache")
    _scan(repo)
    git_dir = str(repo.path / ".git")
    assert os.path.getsize(_cache(repo)) <= scancache.MAX_BYTES
    entries = scancache.load(git_dir)
    assert len(entries) == 10  # nine files and the tree
    # A small bound keeps the entries used last and drops the rest.
    newest = dict([(k, v) for k, v in entries.items() if not v][:2])
    scancache.store(git_dir, newest, entries, limit=1024)
    assert os.path.getsize(_cache(repo)) <= 1024
    kept = scancache.load(git_dir)
    assert 2 <= len(kept) < len(entries)
    assert list(newest) == list(kept)[:2]
    # Whatever was evicted is judged again, to the same findings.
    assert _scan(repo) == fresh


def test_cached_parallel_scan_finds_what_serial_scan_finds(repo: Repo) -> None:
    import authgate.commands.scan as scan
    from authgate import changes
    from authgate.config import Config
    from authgate.rules import FAMILIES

    _project(repo)
    whole = changes.tree("HEAD", cwd=str(repo.path))
    git_dir = str(repo.path / ".git")
    serial = scan.judge_whole(whole, Config(), FAMILIES, jobs=1)
    old = scan.PARALLEL_MIN_LINES
    scan.PARALLEL_MIN_LINES = 0
    try:
        cold = scan.judge_whole(whole, Config(), FAMILIES, 2, git_dir)
        warm = scan.judge_whole(whole, Config(), FAMILIES, 2, git_dir)
    finally:
        scan.PARALLEL_MIN_LINES = old
    assert cold == serial == warm
    assert any(f.rule_id.startswith("leak.") for f in serial)


def test_a_warm_scan_reads_only_the_files_that_have_findings(repo: Repo) -> None:
    # An unchanged tree costs its listing: the content of a file the cache knows to
    # hold nothing is not read again. Shown by taking that content away.
    _project(repo)
    before = _scan(repo, "--format", "json")
    blob = repo.git("rev-parse", "HEAD:lib/m1.py").stdout.decode().strip()
    obj = Path(repo.path, ".git", "objects", blob[:2], blob[2:])
    assert obj.is_file()
    obj.unlink()
    assert _scan(repo, "--format", "json") == before
    # Without the cache the file is read, and git says it is gone.
    proc = repo.authgate("scan", "--jobs", "1", "--no-cache")
    assert proc.returncode == 2
    assert blob[:7] in proc.stderr or "lib/m1.py" in proc.stderr, proc.stderr


def test_a_warm_scan_reports_content_that_is_not_source_as_a_cold_one(repo: Repo) -> None:
    # Whether a file is generated shows in its content, which a warm scan does not
    # read for a file without findings: the cache keeps such a file by its kind.
    _project(repo)
    repo.write("api/types_gen.py", "# Code generated by protoc-gen-go. DO NOT EDIT.\n"
               "token = 1\n")
    repo.add()
    repo.commit()
    out = _same_with_and_without_cache(repo, "json")
    skipped = json.loads(out)["subjects"][0]["skipped"]
    assert skipped == ["api/types_gen.py: read for provider secrets only (generated)"]
