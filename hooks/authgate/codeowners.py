"""CODEOWNERS as GitHub reads it, and the check that identity paths are owned by the
configured security owners. Pure: text and path lists in, findings out.

GitHub's rules, as documented and as github.com behaves:
- the file is the first of `.github/CODEOWNERS`, `CODEOWNERS`, `docs/CODEOWNERS`;
- each line is a pattern and zero or more owners (`@user`, `@org/team`, an email);
  a pattern with no owners makes matching paths unowned;
- the LAST matching line wins, so a broad rule below a narrow one overrides it;
- patterns follow gitignore, except that `!` negation, `[ ]` ranges and `\\#` escapes
  do not work, and a trailing `/*` matches only direct children (`docs/*` owns
  `docs/a.md`, not `docs/b/c.md`), which is why `pathmatch` (gitignore) is not reused;
- paths are case-sensitive; lines GitHub cannot parse are skipped.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from authgate.findings import Finding, Tier, anchored, from_rule
from authgate.rules import Rule, RuleSet

LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")

RULE_MISSING_FILE = "identity.codeowners.missing-file"
RULE_UNOWNED = "identity.codeowners.unowned"
RULE_MISSING_OWNER = "identity.codeowners.missing-security-owner"
RULE_SHADOWED = "identity.codeowners.shadowed"
RULE_INVALID = "identity.codeowners.invalid-line"

_OWNER = re.compile(r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[A-Za-z0-9._-]+)?$"
                    r"|[^@\s]+@[^@\s]+\.[^@\s]+$")


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """The regex a CODEOWNERS pattern compiles to (anchored at both ends)."""
    if pattern == "/":
        return re.compile(r"(?!)")
    segs = pattern.split("/")
    if segs[0] == "":
        segs = segs[1:]  # a leading slash anchors at the root
    elif (len(segs) == 1 or (len(segs) == 2 and segs[1] == "")) and segs[0] != "**":
        segs = ["**", *segs]  # one segment matches at any depth, like a leading **/
    if len(segs) > 1 and segs[-1] == "":
        segs[-1] = "**"  # a trailing slash means everything below
    last = len(segs) - 1
    out = []
    slash = False
    for i, seg in enumerate(segs):
        if seg == "**":
            if i == 0 and i == last:
                out.append(".+")
            elif i == 0:
                out.append("(?:.+/)?")
                slash = False
            elif i == last:
                out.append("/.*")
            else:
                out.append("(?:/.+)?")
                slash = True
            continue
        if slash:
            out.append("/")
        if seg == "*":
            # A lone star is one path segment; at the end it does not reach deeper.
            out.append("[^/]+")
        else:
            out.append(_segment(seg))
            if i == last:
                out.append("(?:/.*)?")  # a file, or a directory and all below it
        slash = True
    return re.compile("".join(out), re.DOTALL)


def _segment(seg: str) -> str:
    out = []
    escaped = False
    for ch in seg:
        if escaped:
            out.append(re.escape(ch))
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(ch))
    return "".join(out)


@dataclass(frozen=True)
class Entry:
    line: int
    pattern: str
    owners: tuple[str, ...]
    regex: re.Pattern[str] = field(compare=False, repr=False)

    def matches(self, path: str) -> bool:
        return self.regex.fullmatch(path) is not None


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


@dataclass(frozen=True)
class CodeOwners:
    path: str  # where it was read, e.g. ".github/CODEOWNERS"
    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...] = ()

    def matching(self, path: str) -> list[Entry]:
        return [e for e in self.entries if e.matches(path)]

    def owner_entry(self, path: str) -> Entry | None:
        """The entry that decides `path`: the last one that matches."""
        for e in reversed(self.entries):
            if e.matches(path):
                return e
        return None

    def where(self, e: Entry) -> str:
        return f"{self.path}:{e.line} `{e.pattern}`"


def _tokens(line: str) -> list[str]:
    """Whitespace-separated tokens; a backslash escapes a space in a pattern."""
    out: list[str] = []
    cur: list[str] = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line) and line[i + 1] == " ":
            cur.append(" ")
            i += 2
            continue
        if ch.isspace():
            if cur:
                out.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
        i += 1
    if cur:
        out.append("".join(cur))
    return out


def parse(text: str, path: str = "CODEOWNERS") -> CodeOwners:
    entries: list[Entry] = []
    problems: list[Problem] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        # A comment may follow the owners after whitespace.
        line = re.split(r"\s#", line, maxsplit=1)[0].rstrip()
        tokens = _tokens(line)
        pattern, owners = tokens[0], tokens[1:]
        if pattern.startswith("!"):
            problems.append(Problem(number, f"`{pattern}`: GitHub does not support `!` "
                                            "negation; the line is ignored"))
            continue
        if pattern.startswith("\\#"):
            problems.append(Problem(number, f"`{pattern}`: GitHub does not support `\\#` "
                                            "escapes; the line is ignored"))
            continue
        if "[" in pattern and "]" in pattern:
            problems.append(Problem(number, f"`{pattern}`: GitHub does not support `[ ]` "
                                            "ranges; the brackets match literally"))
        bad = [o for o in owners if not _OWNER.match(o)]
        if bad:
            problems.append(Problem(number, f"`{bad[0]}` is not an owner (@user, @org/team "
                                            "or an email); GitHub skips the line"))
            continue
        try:
            regex = pattern_regex(pattern)
        except re.error:
            problems.append(Problem(number, f"`{pattern}` is not a valid pattern"))
            continue
        entries.append(Entry(number, pattern, tuple(owners), regex))
    return CodeOwners(path, tuple(entries), tuple(problems))


def choose(files: Mapping[str, str | None]) -> tuple[str, str] | None:
    """The file GitHub uses: the first of LOCATIONS present in `files` (path -> text)."""
    for loc in LOCATIONS:
        text = files.get(loc)
        if text is not None:
            return loc, text
    return None


# --- the ownership check -------------------------------------------------------------

def _same(a: str, b: str) -> bool:
    # GitHub user, team and email names compare without case.
    return a.lower() == b.lower()


def _has(owners: Sequence[str], wanted: str) -> bool:
    return any(_same(o, wanted) for o in owners)


def _finding(rules: RuleSet, rule_id: str, path: str | None, line: int | None,
             **values: object) -> Finding:
    from authgate.checks.identity import render

    rule: Rule | None = rules.get(rule_id)
    if rule is None:  # disabled by the repository's config
        raise LookupError(rule_id)
    # No tier: who reviews is routing, not how much the change matters.
    return from_rule(rule, render(rule.message, **values), path=path, line=line,
                     context="config", tier=Tier.NONE)


def check(co: CodeOwners | None, sensitive: Iterable[tuple[str, str]],
          security_owners: Sequence[str], rules: RuleSet) -> list[Finding]:
    """Findings for identity paths (path, why it is sensitive) under `co`."""
    out: list[Finding] = []

    def add(rule_id: str, path: str | None, line: int | None, **values: object) -> None:
        with contextlib.suppress(LookupError):  # the rule is disabled in config
            out.append(_finding(rules, rule_id, path, line, **values))

    if co is None:
        add(RULE_MISSING_FILE, None, None)
        sensitive = list(sensitive)
        if out and sensitive:
            # Shown at the first path that needs an owner: code scanning and GitLab
            # place a finding only in a file.
            out = [anchored(out[0], sensitive[0][0])]
        return out
    for p in co.problems:
        add(RULE_INVALID, co.path, p.line, problem=p.message)
    shadows: dict[tuple[int, int], list[str]] = {}
    for path, reason in sensitive:
        winner = co.owner_entry(path)
        if winner is None:
            add(RULE_UNOWNED, path, None, reason=reason, why=f"no rule in {co.path} matches it")
            continue
        if not winner.owners:
            add(RULE_UNOWNED, path, None, reason=reason,
                why=f"{co.where(winner)} lists no owners")
            continue
        missing = [o for o in security_owners if not _has(winner.owners, o)]
        if not missing:
            continue
        add(RULE_MISSING_OWNER, path, None, reason=reason, owners=" ".join(winner.owners),
            rule=co.where(winner), missing=" ".join(missing))
        for earlier in co.matching(path):
            if earlier.line < winner.line and all(_has(earlier.owners, o)
                                                  for o in security_owners):
                shadows.setdefault((earlier.line, winner.line), []).append(path)
    by_line = {e.line: e for e in co.entries}
    for (early, late), paths in sorted(shadows.items()):
        add(RULE_SHADOWED, co.path, late, later=co.where(by_line[late]),
            earlier=co.where(by_line[early]), count=len(paths), example=paths[0])
    return out
