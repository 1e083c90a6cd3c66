"""A config file's parsed TOML kept between runs (config.py): the next hook reads the
same config without parsing it, or importing tomllib; a file that does not parse says
so on every run, and a damaged cache is parsed over."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from authgate import config, rules

from testing import Repo

PYPROJECT = ('[project]\nname = "app"\n\n[tool.black]\nline-length = 99\n\n'
             '[[tool.poetry.source]]\nname = "private"\n'
             'url = "https://build:s3cr3t-t0k3n@pypi.example.com/simple"\n\n'
             '[tool.authgate]\nai = "disclose"\nexclude = ["vendor/**"]\n')


def cache_file() -> Path:
    directory = rules.cache_dir()
    assert directory is not None
    return Path(directory) / "config-toml.marshal"


def staged(repo: Repo) -> None:
    repo.write("pyproject.toml", PYPROJECT)
    repo.write("README.md", "app\n")
    repo.add()
    repo.commit()
    repo.write("app/views.py", "def index(request):\n    return 'ok'\n")
    repo.add()


def check(repo: Repo) -> tuple[int, str, str]:
    # Without the hook cache, so the config and catalogs are read every time.
    shutil.rmtree(repo.path / ".git" / "authgate", ignore_errors=True)
    result = repo.authgate("check", "--format", "json")
    return result.returncode, result.stdout, result.stderr


def test_a_second_read_of_a_config_gives_the_same_config_from_the_cache(repo: Repo) -> None:
    staged(repo)
    first = config.load_staged(str(repo.path))
    assert first[0].ai == "disclose" and first[0].exclude == ("vendor/**",)
    assert cache_file().is_file()
    stamp = cache_file().stat().st_mtime_ns
    assert config.load_staged(str(repo.path)) == first
    assert cache_file().stat().st_mtime_ns == stamp  # read, not written again
    # Of a pyproject.toml, authgate's table alone: never another tool's (a credential).
    assert b"s3cr3t" not in cache_file().read_bytes()
    assert b"line-length" not in cache_file().read_bytes()
    assert b"vendor/**" in cache_file().read_bytes()


def test_the_same_bytes_as_another_file_are_read_whole(repo: Repo) -> None:
    # A .authgate.toml is read whole; the same bytes kept as a pyproject.toml's table
    # must not stand for it.
    text = 'ai = "forbid"\n'
    repo.write("pyproject.toml", text)
    assert config.load(str(repo.path)).ai == "allow"  # no [tool.authgate]: defaults
    repo.write(".authgate.toml", text)
    assert config.load(str(repo.path)).ai == "forbid"


def test_a_cached_config_judges_a_commit_as_a_parsed_one_without_importing_tomllib(
        repo: Repo) -> None:
    staged(repo)
    first = check(repo)
    assert first[0] == 0 and '"schema": "authgate-report/1"' in first[1], first
    assert check(repo) == first
    probe = ("import sys, runpy; sys.argv = ['authgate', 'check']\n"
             "try:\n    runpy.run_module('authgate', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print('tomllib' in sys.modules, 'tomli' in sys.modules)")
    shutil.rmtree(repo.path / ".git" / "authgate", ignore_errors=True)
    proc = subprocess.run([sys.executable, "-c", probe], cwd=repo.path, capture_output=True,
                          text=True)
    assert proc.stdout.splitlines()[-1] == "False False", (proc.stdout, proc.stderr)


def test_a_config_that_does_not_parse_is_an_error_on_every_run(repo: Repo) -> None:
    staged(repo)
    repo.write("pyproject.toml", PYPROJECT + "[tool.authgate\n")
    repo.add("pyproject.toml")
    first = check(repo)
    assert first[0] == 2 and "invalid TOML" in first[2], first
    assert check(repo) == first
    repo.write("pyproject.toml", PYPROJECT)
    repo.add("pyproject.toml")
    assert check(repo)[0] == 0


@pytest.mark.parametrize("damage", ["truncated", "flipped", "empty"])
def test_a_damaged_cache_is_parsed_over(repo: Repo, damage: str) -> None:
    staged(repo)
    expected = config.load_staged(str(repo.path))
    raw = cache_file().read_bytes()
    damaged = {"truncated": raw[:-10], "flipped": raw[:40] + bytes([raw[40] ^ 1]) + raw[41:],
               "empty": b""}[damage]
    cache_file().write_bytes(damaged)
    assert config.load_staged(str(repo.path)) == expected
    assert cache_file().read_bytes() == raw  # rewritten whole


def test_the_cache_keeps_the_last_few_files(repo: Repo) -> None:
    staged(repo)
    for i in range(12):
        repo.write("pyproject.toml", PYPROJECT + f'max_file_size = {1000 + i}\n')
        repo.add("pyproject.toml")
        assert config.load_staged(str(repo.path))[0].max_file_size == 1000 + i
    kept = rules._cached(str(cache_file()), "documents")
    assert kept is not None and len(kept) == 8
    assert {doc["tool"]["authgate"]["max_file_size"] for doc in kept.values()} == \
        set(range(1004, 1012))
