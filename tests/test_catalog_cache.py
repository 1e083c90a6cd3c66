"""The parsed rule catalogs kept between runs (rules.py): a second run reads them
instead of parsing the TOML, gets the same tables, and never trusts an entry made
from other bytes or a damaged file."""

from __future__ import annotations

import hashlib
import marshal
import shutil
import sys
from pathlib import Path

import pytest

from authgate import rules

from testing import Repo

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised by the 3.9 CI run
    import tomli as tomllib

CATALOGS = ("provenance.toml", "leaks.toml", "identity.toml", "content.toml")
SECRET = "AKIA" + "Q7NR2KX5TLWM8ZPC"
RISKY = ('import jwt\n\ndef user(t):\n'
         '    return jwt.decode(t, options={"verify_signature": False})\n')


def cache_files() -> dict[str, Path]:
    directory = rules.cache_dir()
    assert directory is not None
    return {name: Path(directory) / f"catalog-{name}.marshal" for name in CATALOGS}


def staged_findings(repo: Repo) -> None:
    repo.write("README.md", "app\n")
    repo.add()
    repo.commit()
    repo.write("app/login.py", RISKY)
    repo.write("app/settings.py", f'AWS_KEY = "{SECRET}"\n')
    repo.add()


def check(repo: Repo) -> tuple[int, str, str]:
    # Without the hook cache, so the catalogs are loaded every time.
    shutil.rmtree(repo.path / ".git" / "authgate", ignore_errors=True)
    result = repo.authgate("check")
    return result.returncode, result.stdout, result.stderr


def test_the_cache_holds_what_the_toml_parses_to() -> None:
    for name in CATALOGS:
        fresh = tomllib.loads(rules.catalog_bytes(name).decode("utf-8"))
        assert rules.parsed(name) == fresh  # parsed, and stored
        assert cache_files()[name].is_file()
        assert rules.parsed(name) == fresh  # read back


def test_a_second_check_reads_the_kept_catalogs_and_says_the_same(repo: Repo) -> None:
    staged_findings(repo)
    first = check(repo)
    assert first[0] == 1 and "leak.secret.aws-key" in first[1], first
    files = cache_files()
    assert all(path.is_file() for path in files.values())
    stamps = {name: path.stat().st_mtime_ns for name, path in files.items()}
    assert check(repo) == first
    # Read, not written again.
    assert {name: path.stat().st_mtime_ns for name, path in files.items()} == stamps
    # Rules, never what a repository holds.
    assert all(SECRET[4:12].encode() not in path.read_bytes() for path in files.values())


@pytest.mark.parametrize("damage", ["truncated", "flipped", "empty"])
def test_a_damaged_entry_is_parsed_again_and_rewritten(repo: Repo, damage: str) -> None:
    staged_findings(repo)
    first = check(repo)
    path = cache_files()["leaks.toml"]
    good = path.read_bytes()
    bad = {"truncated": good[:len(good) // 2],
           "flipped": good[:-5] + bytes([good[-5] ^ 1]) + good[-4:],
           "empty": b""}[damage]
    path.write_bytes(bad)
    assert check(repo) == first
    assert path.read_bytes() == good


def test_an_entry_made_from_other_bytes_is_not_used(repo: Repo) -> None:
    # As after an upgrade that changed the catalog: a well-formed entry for other
    # bytes, here one whose tables hold no rule at all, must not silence anything.
    staged_findings(repo)
    first = check(repo)
    path = cache_files()["leaks.toml"]
    other = hashlib.sha256(b"an older catalog").hexdigest()
    payload = marshal.dumps((rules._FORMAT, other, {"rule": []}))
    path.write_bytes(hashlib.sha256(payload).digest() + payload)
    assert check(repo) == first
    assert "leak.secret.aws-key" in first[1]
