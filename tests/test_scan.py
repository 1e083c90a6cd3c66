"""`authgate scan`: the whole tree at a revision, serial and across worker processes."""

from __future__ import annotations

from authgate import changes
from authgate.config import Config
from authgate.findings import ANCHOR, Finding
from authgate.rules import FAMILIES
from authgate.scanning import judge_whole

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
    import authgate.scanning as scan

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


def _pooled(whole: changes.ChangeSet, jobs: int) -> list[Finding]:
    import authgate.scanning as scan

    old = scan.PARALLEL_MIN_LINES
    scan.PARALLEL_MIN_LINES = 0  # a pool however small the tree
    try:
        return judge_whole(whole, Config(), FAMILIES, jobs=jobs)
    finally:
        scan.PARALLEL_MIN_LINES = old


def _judged(whole: changes.ChangeSet, jobs: int) -> list[tuple[str, str | None, int | None,
                                                              str]]:
    return [(f.rule_id, f.path, f.line, f.message) for f in _pooled(whole, jobs)]


def test_a_decision_and_its_tests_in_different_files_judge_alike_on_any_number_of_workers(
        repo: Repo) -> None:
    # The token check and the test that rejects an expired token are far apart in a
    # large tree; a worker that saw only the check once asked for a test that exists.
    repo.write("app/auth/tokens.py",
               "import jwt\n\n\ndef verify(token, key):\n"
               "    claims = jwt.decode(token, key, algorithms=['HS256'])\n"
               "    if claims['exp'] < now():\n        raise Expired()\n    return claims\n")
    repo.write("tests/test_tokens.py",
               "import pytest\n\n\ndef test_rejects_expired_token():\n"
               "    with pytest.raises(Expired):\n        verify(old_token(), KEY)\n")
    for i in range(15):
        repo.write(f"app/m{i}.py", f"x = {i}\n" * (40 + i))
    repo.add()
    repo.commit()
    whole = changes.tree("HEAD", cwd=str(repo.path))
    serial = _judged(whole, jobs=1)
    assert [f for f in serial if f[0] == "identity.tests.negative-missing"] == []
    assert any(f[0].startswith("identity.") and f[1] == "app/auth/tokens.py" for f in serial)
    assert _judged(whole, jobs=2) == serial
    assert _judged(whole, jobs=3) == serial


def test_the_missing_test_finding_points_at_the_same_file_on_any_number_of_workers(
        repo: Repo) -> None:
    # Two decisions of one tier and no test: the finding points at the first of them
    # in the tree. Workers get the larger file first; their results are put back in
    # the tree's order before the requirement is judged.
    check = ("import jwt\n\n\ndef verify(token, key):\n"
             "    claims = jwt.decode(token, key, algorithms=['HS256'])\n"
             "    if claims['exp'] < now():\n        raise Expired()\n    return claims\n")
    repo.write("app/auth/a_tokens.py", check)
    repo.write("app/auth/z_tokens.py", check + "\n# padding\n" * 200)
    for i in range(15):
        repo.write(f"app/m{i}.py", f"x = {i}\n" * 40)
    repo.add()
    repo.commit()
    whole = changes.tree("HEAD", cwd=str(repo.path))

    def anchors(jobs: int) -> list[str | None]:
        return [dict(f.extra).get(ANCHOR) for f in _pooled(whole, jobs)
                if f.rule_id == "identity.tests.negative-missing"]

    assert anchors(1) == ["app/auth/a_tokens.py"]
    assert anchors(2) == ["app/auth/a_tokens.py"]
    assert _judged(whole, jobs=2) == _judged(whole, jobs=1)


def test_two_secrets_on_one_line_are_two_findings_on_any_number_of_workers(
        repo: Repo) -> None:
    # Their findings share rule, place and (redacted) evidence: merging the workers'
    # results by those lost one.
    repo.write("web/csp.html",
               "<meta content=\"script-src 'sha256-hM8ziVmFsNZhvY3EjvTholqPBoYTMv/3+1nOBhZrL+c=' "
               "'sha256-Y/huXlwoYkVyQlxwSVcCi1RCDGDCSVBzDt0hYP9qlTc='\">\n")
    for i in range(15):
        repo.write(f"app/m{i}.py", f"x = {i}\n" * 40)
    repo.add()
    repo.commit()
    whole = changes.tree("HEAD", cwd=str(repo.path))
    serial = _judged(whole, jobs=1)
    assert [(f[0], f[1], f[2]) for f in serial if f[1] == "web/csp.html"] == [
        ("leak.secret.base64-high-entropy-string", "web/csp.html", 1)] * 2
    assert _judged(whole, jobs=2) == serial


def test_a_tree_judged_file_by_file_finds_what_it_finds_whole(repo: Repo) -> None:
    # A large tree is read and judged a batch of files at a time: a decision, its
    # tests, a secret, an allow comment and an AI artefact each in a batch of their own
    # must come out as when the tree is judged at once.
    from authgate.scanning import judge_batches

    repo.write("app/auth/tokens.py",
               "import jwt\n\n\ndef verify(token, key):\n"
               "    claims = jwt.decode(token, key, algorithms=['HS256'])\n"
               "    if claims['exp'] < now():\n        raise Expired()\n    return claims\n")
    repo.write("tests/test_tokens.py",
               "def test_rejects_expired_token():\n    assert verify(old_token()) is None\n")
    repo.write("app/keys.py", "AWS = 'AKIAZ4XQ7BRTMV2LPN3K'  # authgate: allow leak.secret\n")
    repo.write("app/m.py", ELIDED)
    repo.add()
    repo.commit()
    whole = changes.tree("HEAD", cwd=str(repo.path))
    at_once = judge_whole(whole, Config(), FAMILIES, jobs=1)
    one_by_one = judge_batches(whole._replace(files=()), lambda _: [(f,) for f in whole.files],
                               Config(), FAMILIES, jobs=1).findings
    assert one_by_one == at_once
    assert {f.rule_id.split(".")[0] for f in at_once} == {"identity", "leak", "provenance"}
    assert any(f.rule_id == "identity.gate.allow-hint" or f.suppressed for f in at_once)


def test_a_tree_read_by_the_workers_finds_what_one_process_finds(repo: Repo) -> None:
    # A tree's batches are read by whichever worker judges them: the same findings as
    # one process reading them all, cold and with the blob cache warm.
    from authgate import gitio
    from authgate.scanning import judge_batches

    repo.write("app/auth/tokens.py",
               "import jwt\n\n\ndef verify(token, key):\n"
               "    claims = jwt.decode(token, key, algorithms=['HS256'])\n"
               "    if claims['exp'] < now():\n        raise Expired()\n    return claims\n")
    repo.write("app/keys.py", "AWS = 'AKIAZ4XQ7BRTMV2LPN3K'\n")
    repo.write("app/m.py", ELIDED)
    for i in range(12):
        repo.write(f"app/m{i}.py", f"x = {i}\n" * 30)
    repo.add()
    repo.commit()
    root = str(repo.path)
    meta = changes.tree_meta("HEAD", cwd=root)

    def scan(jobs: int, git_dir: str | None) -> list[tuple[str, str | None, int | None]]:
        found = judge_batches(
            meta, lambda read: changes.tree_listing("HEAD", cwd=root, batch_bytes=300,
                                                    read=read),
            Config(), FAMILIES, jobs, git_dir, cwd=root).findings
        return [(f.rule_id, f.path, f.line) for f in found]

    one = scan(1, None)
    assert {r.split(".")[0] for r, _, _ in one} == {"identity", "leak", "provenance"}
    assert ("leak.secret.aws-key", "app/keys.py", 1) in one
    assert scan(2, None) == one
    git_dir = gitio.git_dir(root)
    assert scan(2, git_dir) == one  # cold: fills the cache
    assert scan(2, git_dir) == one  # warm
    assert scan(1, git_dir) == one
