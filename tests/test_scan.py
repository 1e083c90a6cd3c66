"""`authgate scan`: the whole tree at a revision, serial and across worker processes."""

from __future__ import annotations

from authgate import changes
from authgate.commands.scan import judge_whole
from authgate.config import Config
from authgate.rules import FAMILIES

from testing import Repo

ELIDED = "def f():\n    # ... existing code ...\n    return 1\n"


def test_scan_reports_committed_problems_and_exits_1(repo: Repo) -> None:
    repo.write("app/ok.py", "x = 1\n")
    repo.write("app/bad.py", ELIDED)
    repo.add()
    repo.commit()
    proc = repo.main("scan")
    assert proc.returncode == 1
    assert "app/bad.py:2: provenance.artifact." in proc.stdout
    assert "app/ok.py" not in proc.stdout


def test_scan_of_a_clean_revision_passes(repo: Repo) -> None:
    repo.write("app/ok.py", "x = 1\n")
    repo.add()
    repo.commit()
    proc = repo.main("scan", "--rev", "HEAD")
    assert proc.returncode == 0, proc.stdout


def test_scan_unknown_revision_is_exit_2(repo: Repo) -> None:
    repo.write("a.txt", "a\n")
    repo.add()
    repo.commit()
    proc = repo.main("scan", "--rev", "nope")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "authgate: unknown revision 'nope'"


def test_parallel_scan_finds_exactly_what_serial_scan_finds(repo: Repo) -> None:
    for i in range(12):
        repo.write(f"app/m{i}.py", ELIDED if i % 3 == 0 else f"x = {i}\n" * 50)
    repo.add()
    repo.commit()
    whole = changes.tree("HEAD", cwd=str(repo.path))
    serial = judge_whole(whole, Config(), FAMILIES, jobs=1)
    import authgate.commands.scan as scan

    old = scan.PARALLEL_MIN_LINES
    scan.PARALLEL_MIN_LINES = 0
    try:
        parallel = judge_whole(whole, Config(), FAMILIES, jobs=2)
    finally:
        scan.PARALLEL_MIN_LINES = old
    key = lambda f: (f.rule_id, f.path, f.line)  # noqa: E731
    assert sorted(map(key, parallel)) == sorted(map(key, serial))
    assert {f.path for f in serial if f.rule_id.startswith("provenance.artifact.")} == {
        "app/m0.py", "app/m3.py", "app/m6.py", "app/m9.py"}
