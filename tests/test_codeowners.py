"""CODEOWNERS parsing and matching as GitHub does it, the ownership check, and
`authgate codeowners` end to end in a real repository."""

from __future__ import annotations

import json
import re

import pytest

from authgate import codeowners
from authgate.config import Config

from testing import Repo
from testing.identity import rules

# (pattern, path, owned?) -- GitHub's documented examples and the gitignore exceptions.
MATCHES = [
    ("*", "README.md", True),
    ("*", "a/b/c.py", True),
    ("*.js", "web/app/main.js", True),
    ("*.js", "web/app/main.jsx", False),
    ("/build/logs/", "build/logs/x/y.log", True),
    ("/build/logs/", "src/build/logs/y.log", False),
    ("/build/logs/", "build/logs", False),
    ("docs/*", "docs/getting-started.md", True),
    ("docs/*", "docs/build-app/troubleshooting.md", False),  # no nesting for /*
    ("apps/", "apps/x.py", True),
    ("apps/", "deep/apps/y/z.py", True),
    ("/docs/", "docs/a/b.md", True),
    ("/docs/", "src/docs/a.md", False),
    ("**/logs", "deploy/logs/x", True),
    ("**/logs", "logs", True),
    ("/apps/github", "apps/github/x.py", True),
    ("/apps/github", "apps/githubber.py", False),
    ("/*", "setup.py", True),
    ("/*", "pkg/setup.py", False),
    ("app/*/auth", "app/v1/auth/login.py", True),
    ("foo/**/bar", "foo/a/b/bar/x", True),
    ("foo/**/bar", "foo/bar", True),
    ("f?o.py", "lib/foo.py", True),
    ("f\\*o", "f*o", True),
    ("f\\*o", "foo", False),
    ("/App/", "app/x.py", False),  # case-sensitive like GitHub's file system
    ("[ab].py", "a.py", False),  # ranges are not supported: brackets are literal
]


@pytest.mark.parametrize(("pattern", "path", "expected"), MATCHES)
def test_patterns_match_like_github(pattern: str, path: str, expected: bool) -> None:
    co = codeowners.parse(f"{pattern} @o")
    assert bool(co.owner_entry(path)) is expected


def test_last_matching_rule_wins() -> None:
    co = codeowners.parse("/app/auth/ @org/security\n*.py @org/web\n")
    entry = co.owner_entry("app/auth/login.py")
    assert entry is not None and (entry.line, entry.owners) == (2, ("@org/web",))
    assert [e.line for e in co.matching("app/auth/login.py")] == [1, 2]


def test_parse_owners_comments_and_escaped_spaces() -> None:
    co = codeowners.parse(
        "# a comment\n\n"
        "*.py   @a  @org/team-1  dev@example.com  # who owns python\n"
        "path\\ with\\ spaces/ @b\n"
        "/apps/github\n")
    assert [(e.line, e.pattern, e.owners) for e in co.entries] == [
        (3, "*.py", ("@a", "@org/team-1", "dev@example.com")),
        (4, "path with spaces/", ("@b",)),
        (5, "/apps/github", ()),
    ]
    assert co.owner_entry("path with spaces/x.txt") is not None
    assert co.problems == ()


def test_lines_github_cannot_use_are_reported_and_skipped() -> None:
    co = codeowners.parse("!secret.txt @a\n*.py security-team\n\\#x @a\n[ab].py @a\n")
    assert [p.line for p in co.problems] == [1, 2, 3, 4]
    assert "negation" in co.problems[0].message
    assert "`security-team` is not an owner" in co.problems[1].message
    assert [e.pattern for e in co.entries] == ["[ab].py"]


def test_github_uses_the_first_location() -> None:
    files = {"CODEOWNERS": "* @root", ".github/CODEOWNERS": "* @gh", "docs/CODEOWNERS": "* @d"}
    assert codeowners.choose(files) == (".github/CODEOWNERS", "* @gh")
    assert codeowners.choose({"CODEOWNERS": None, "docs/CODEOWNERS": "* @d"}) == \
        ("docs/CODEOWNERS", "* @d")
    assert codeowners.choose({}) is None


# --- the check -----------------------------------------------------------------------

SENSITIVE = [("app/auth/login.py", "matches **/*auth*"),
             ("app/payments/tokens.py", "matches **/*token*"),
             ("CODEOWNERS", "matches /CODEOWNERS")]


def _check(text: str | None, owners: tuple[str, ...] = ("@org/security",),
           config: Config | None = None):  # type: ignore[no-untyped-def]
    co = codeowners.parse(text, "CODEOWNERS") if text is not None else None
    return codeowners.check(co, SENSITIVE, owners, rules(config))


def test_owned_by_security_everywhere_has_no_findings() -> None:
    assert _check("* @org/web @org/security\n") == []


def test_owner_names_compare_without_case() -> None:
    assert _check("* @Org/Security\n") == []


def test_broad_rule_below_security_rule_is_reported_with_the_shadowing_pair() -> None:
    found = _check("/app/auth/ @org/security\n*.py @org/web\nCODEOWNERS @org/security\n"
                   "/app/payments/ @org/security\n")
    lines = [(f.rule_id, f.path, f.line, f.message) for f in found]
    assert (
        "identity.codeowners.missing-security-owner", "app/auth/login.py", None,
        "identity path (matches **/*auth*) owned by @org/web (CODEOWNERS:2 `*.py`), "
        "not by @org/security") in lines
    assert (
        "identity.codeowners.shadowed", "CODEOWNERS", 2,
        "CODEOWNERS:2 `*.py` overrides CODEOWNERS:1 `/app/auth/` for 1 identity path(s), "
        "e.g. app/auth/login.py") in lines
    # The payments rule comes last, so it wins there: no finding for that path.
    assert not [f for f in found if f.path == "app/payments/tokens.py"]
    assert {f.action.value for f in found} == {"block", "warn"}


def test_unowned_paths_say_why() -> None:
    found = _check("/app/ @org/security\n/app/payments/\n")
    by_path = {f.path: f.message for f in found if f.rule_id == "identity.codeowners.unowned"}
    assert by_path == {
        "app/payments/tokens.py": "identity path (matches **/*token*) has no code owner: "
                                  "CODEOWNERS:2 `/app/payments/` lists no owners",
        "CODEOWNERS": "identity path (matches /CODEOWNERS) has no code owner: "
                      "no rule in CODEOWNERS matches it",
    }


def test_without_security_owners_only_unowned_paths_count() -> None:
    found = _check("*.py @org/web\n", owners=())
    assert [(f.rule_id, f.path) for f in found] == [("identity.codeowners.unowned", "CODEOWNERS")]


def test_missing_file_is_one_blocking_finding() -> None:
    (f,) = _check(None)
    assert (f.rule_id, f.action.value) == ("identity.codeowners.missing-file", "block")
    assert "looked in .github/, the root and docs/" in f.message


def test_a_disabled_rule_reports_nothing() -> None:
    from authgate.config import parse

    cfg = parse({"rules": {"disable": ["identity.codeowners.shadowed"]}}, "t")
    found = _check("/app/auth/ @org/security\n* @org/web\n", config=cfg)
    assert "identity.codeowners.shadowed" not in {f.rule_id for f in found}
    assert "identity.codeowners.missing-security-owner" in {f.rule_id for f in found}


def test_sensitive_paths_use_the_identity_path_rules() -> None:
    from authgate.checks.identity import sensitive_paths

    paths = ["app/auth/login.py", "app/auth/templates/login.html", "README.md",
             "tests/test_login.py", ".github/CODEOWNERS", "docs/CODEOWNERS", "src/author.py"]
    got = {p: pc.message(p) for p, pc in sensitive_paths(paths, rules(), Config())}
    assert got == {
        "app/auth/login.py": "path app/auth/login.py matches folder 'auth/'",
        ".github/CODEOWNERS": "path .github/CODEOWNERS matches /.github/CODEOWNERS",
        "docs/CODEOWNERS": "path docs/CODEOWNERS matches /docs/CODEOWNERS",
    }


# --- `authgate codeowners` -----------------------------------------------------------

def _project(repo: Repo, owners_file: str, text: str) -> None:
    repo.write("app/auth/login.py", "def login(): ...\n")
    repo.write("app/main.py", "print('hi')\n")
    repo.write(".authgate.toml", 'security_owners = ["@org/security"]\n')
    repo.write(owners_file, text)
    repo.add()
    repo.commit("project")


def test_cli_reports_shadowed_security_rule_and_exits_1(repo: Repo) -> None:
    _project(repo, ".github/CODEOWNERS", "/app/auth/ @org/security\n*.py @org/web\n"
                                         "/.authgate.toml @org/security\n"
                                         "/.github/CODEOWNERS @org/security\n")
    proc = repo.main("codeowners")
    assert proc.returncode == 1, proc.stderr
    # Each finding line ends with its fingerprint, the name an allowlist entry uses.
    out = [re.sub(r" \(fp [0-9a-f]{12}\)$", "", ln) for ln in proc.stdout.splitlines()]
    assert ("app/auth/login.py: identity.codeowners.missing-security-owner: identity path "
            "(matches folder 'auth/') owned by @org/web (.github/CODEOWNERS:2 `*.py`), "
            "not by @org/security") in out
    assert any(line.startswith(".github/CODEOWNERS:2: identity.codeowners.shadowed: ")
               for line in out)
    assert "  checked 3 identity paths against .github/CODEOWNERS" in out


def test_cli_passes_when_the_security_rule_comes_last(repo: Repo) -> None:
    _project(repo, "CODEOWNERS", "*.py @org/web\n/app/auth/ @org/security\n"
                                 "/.authgate.toml @org/security\n/CODEOWNERS @org/security\n")
    proc = repo.main("codeowners", "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    (subject,) = doc["subjects"]
    assert subject["findings"] == [] and subject["blocked"] is False
    assert subject["notes"][0] == "checked 3 identity paths against CODEOWNERS"


def test_cli_reads_the_work_tree_copy_being_edited(repo: Repo) -> None:
    _project(repo, "CODEOWNERS", "* @org/security\n")
    repo.write("CODEOWNERS", "* @org/web\n")  # not staged yet: still what the user sees
    proc = repo.main("codeowners")
    assert proc.returncode == 1
    assert "owned by @org/web (CODEOWNERS:1 `*`), not by @org/security" in proc.stdout


def test_cli_without_codeowners_says_where_it_looked(repo: Repo) -> None:
    repo.write("app/auth/login.py", "x = 1\n")
    repo.add()
    repo.commit("c")
    proc = repo.main("codeowners")
    assert proc.returncode == 1
    assert ("(commit): identity.codeowners.missing-file: no CODEOWNERS file (looked in "
            ".github/, the root and docs/)") in proc.stdout
    assert "no security_owners configured" in proc.stdout


def test_cli_rev_reads_the_committed_codeowners_not_the_work_tree(repo: Repo) -> None:
    _project(repo, "CODEOWNERS", "* @org/security\n")
    repo.write("CODEOWNERS", "* @org/web\n")
    proc = repo.main("codeowners", "--rev", "HEAD")
    assert proc.returncode == 0, proc.stdout
    assert "  checked 3 identity paths against CODEOWNERS at HEAD" in proc.stdout.splitlines()
    bad = repo.main("codeowners", "--rev", "nope")
    assert (bad.returncode, bad.stderr.strip()) == (2, "authgate: unknown revision 'nope'")
