"""The benchmark's corpus is deterministic: the same bytes, the same commit, every time.

Not a timed test: it builds tiny repositories and compares them."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from testing import PROJECT, clean_environ

# bench/ holds scripts, not a package: its modules import by path, under names no
# test module uses (tests/corpus/ is the leak check's labelled corpus).
sys.path.insert(0, str(PROJECT / "bench"))
import bench_corpus as corpus


def tree_bytes(root: Path) -> dict[str, bytes]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            path = Path(dirpath) / name
            out[path.relative_to(root).as_posix()] = path.read_bytes()
    return out


def test_corpus_writes_the_same_bytes_twice(tmp_path: Path) -> None:
    first = corpus.write(str(tmp_path / "a"), 120)
    second = corpus.write(str(tmp_path / "b"), 120)
    a, b = tree_bytes(tmp_path / "a"), tree_bytes(tmp_path / "b")
    assert first.files == second.files == len(a) == 120
    assert first.bytes == second.bytes == sum(len(v) for v in a.values())
    assert a == b


def test_repository_commit_is_identical_across_builds(tmp_path: Path) -> None:
    env = clean_environ(tmp_path / "home")
    heads = []
    for name in ("a", "b"):
        corpus.build_repo(str(tmp_path / name), 150, env)
        heads.append(corpus.git(str(tmp_path / name), env, "rev-parse", "HEAD"))
    assert heads[0] == heads[1]


def test_file_n_is_the_same_in_every_repository_size() -> None:
    # The size-independence rows apply one change to repositories of 1,000 and 50,000
    # files: that only compares like with like if the shared files are identical.
    small = dict(corpus.files(200))
    large = dict(corpus.files(400))
    assert all(large[path] == text for path, text in small.items())


def test_corpus_mixes_languages_and_plants_the_fixtures_the_benchmark_needs() -> None:
    paths = [p for p, _ in corpus.files(1_000)]
    assert len(set(paths)) == len(paths) == 1_000
    exts = {os.path.splitext(p)[1] for p in paths}
    assert {".py", ".ts", ".js", ".go", ".java", ".rb", ".md", ".json"} <= exts
    assert any(p.startswith("services/accounts/src/auth/") for p in paths)
    text = dict(corpus.files(1_000))
    assert len(text[corpus.BIG_FILE].splitlines()) == corpus.BIG_FILE_LINES
    planted = corpus.planted()
    # Each planted value sits in the corpus, and none is spelled out in the source.
    source = (PROJECT / "bench" / "bench_corpus.py").read_text(encoding="utf-8")
    for value in planted.values():
        assert any(value in body for body in text.values())
        assert value.strip() not in source


def test_typical_change_stages_about_ten_files_and_five_hundred_lines(tmp_path: Path) -> None:
    env = clean_environ(tmp_path / "home")
    root = str(tmp_path / "repo")
    # The change touches the core and bulk files 0-59: 120 files hold them all.
    corpus.build_repo(root, 120, env)
    changed = corpus.typical_change(root)
    corpus.git(root, env, "add", "--", *changed)
    numstat = corpus.git(root, env, "diff", "--cached", "--numstat").splitlines()
    added = sum(int(row.split()[0]) for row in numstat)
    assert len(numstat) == 10
    assert 400 <= added <= 600
    assert any("/auth/" in row for row in numstat)


def test_commit_range_makes_that_many_commits(tmp_path: Path) -> None:
    env = clean_environ(tmp_path / "home")
    root = str(tmp_path / "repo")
    corpus.build_repo(root, 120, env)
    base, tip = corpus.commit_range(root, env, 12)
    count = corpus.git(root, env, "rev-list", "--count", f"{base}..{tip}")
    assert count == "12"
    # The work tree is untouched: the range lives on its own branch.
    assert corpus.git(root, env, "status", "--porcelain") == ""


@pytest.mark.parametrize("argv", [["--files", "10"], ["--only", "nonsense"]])
def test_run_rejects_bad_arguments_in_one_line(argv: list[str]) -> None:
    proc = subprocess.run([sys.executable, str(PROJECT / "bench" / "run.py"), *argv],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("bench/run.py: error:")


@pytest.mark.parametrize("argv", [["--no-scratch"], ["--skip", "trufflehog"],
                                  ["--no-scratch", "--repo", "does/not/exist"]])
def test_compare_rejects_bad_arguments_in_one_line(argv: list[str], tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(PROJECT / "bench" / "compare.py"), *argv],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("bench/compare.py: error:")


def test_importtime_summary_names_heavy_modules() -> None:
    spec = importlib.util.spec_from_file_location("bench_run", PROJECT / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    run = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = run  # dataclasses look their module up while defining
    spec.loader.exec_module(run)

    sample = ("import time: self [us] | cumulative | imported package\n"
              "import time:       100 |        100 |   detect_secrets.core\n"
              "import time:       300 |        400 | detect_secrets\n"
              "import time:       100 |        100 | git\n")
    summary = run.importtime(sample)
    assert summary["total_ms"] == 0.5
    assert summary["modules"] == 3
    assert (summary["detect_secrets"], summary["gitpython"]) == (True, True)
    assert json.dumps(summary)


def _compare_module() -> Any:
    # bench/compare.py imports run.py by its script name; bench/ is on sys.path above.
    import compare

    return compare


def test_compare_counts_tree_bytes_of_blobs_not_submodules(tmp_path: Path) -> None:
    # MB/s is tree bytes over time: every blob's size, a submodule (a commit entry with
    # size "-") none, a path with spaces and tabs quoted by git all the same.
    env = clean_environ(tmp_path / "home")
    root = tmp_path / "repo"
    root.mkdir()
    corpus.git(str(root), env, "init", "-q")
    (root / "a.txt").write_bytes(b"x" * 1000)
    (root / "dir with space").mkdir()
    (root / "dir with space" / "b\tc.py").write_bytes(b"y" * 234)
    corpus.git(str(root), env, "add", "-A")
    corpus.git(str(root), env, "commit", "-q", "-m", "files")
    other = corpus.git(str(root), env, "rev-parse", "HEAD")  # any commit will do
    corpus.git(str(root), env, "update-index", "--add", "--cacheinfo", f"160000,{other},sub")
    corpus.git(str(root), env, "commit", "-q", "-m", "a submodule")
    listing = corpus.git(str(root), env, "ls-tree", "-r", "-l", "HEAD")
    assert any(" commit " in line for line in listing.splitlines())
    assert _compare_module().tree_size(listing) == (2, 1234)


def test_compare_reports_the_peak_memory_of_a_grandchild(tmp_path: Path) -> None:
    # authgate scan's workers are children of the command measured: the peak must
    # include them, and the command's own exit code must come through.
    script = tmp_path / "parent.py"
    script.write_text(
        "import subprocess, sys\n"
        "subprocess.run([sys.executable, '-c', 'b = bytearray(96 << 20); "
        "b[::4096] = bytes(len(b[::4096]))'])\n"
        "sys.exit(3)\n", encoding="utf-8")
    compare = _compare_module()
    run = compare.run_measured([sys.executable, str(script)], str(tmp_path),
                               clean_environ(tmp_path / "home"), tmp_path / "log")
    assert run.code == 3
    assert run.peak_mb >= 96
    assert run.seconds > 0
