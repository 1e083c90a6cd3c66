"""What a blocked commit tells the developer to do next.

The report lists each finding once; this adds, per blocking rule, the way forward:
its fix, the allow comment (or config entry) that accepts it with a reason, and an
`explain` command that works where the hook runs (under pre-commit `authgate` is not
on PATH, so it names this interpreter), then the escape hatch: SKIP with the hook ids
pre-commit and `authgate install` share, and that CI still verifies the commit.
Used by `authgate check` (pre-commit stage) and `authgate msg` (message stages).
"""

from __future__ import annotations

import posixpath
import shlex
import sys

from authgate.findings import Finding
from authgate.policy import Verdict

# The comment an allow line goes in, by file extension; `#` for anything else.
_SLASHES = (".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".go", ".java", ".kt", ".kts",
            ".scala", ".c", ".h", ".cc", ".cpp", ".hpp", ".cs", ".swift", ".rs", ".php",
            ".dart", ".groovy", ".gradle", ".vue", ".svelte")
_DASHES = (".sql", ".lua", ".hs")
_MARKUP = (".md", ".html", ".htm", ".xml", ".svg")

# --only families -> the pre-commit hook id that runs exactly them.
CONTENT_HOOKS: dict[tuple[str, ...], str] = {
    ("provenance",): "authgate-provenance", ("leak",): "authgate-leaks",
    ("identity",): "authgate-identity"}
TRAILERS_HOOK = "authgate-trailers"


def content_hook_id(families: tuple[str, ...] | None) -> str:
    return CONTENT_HOOKS.get(tuple(families or ()), "authgate")


def allow_comment(f: Finding) -> str:
    """The inline allow line for this finding, in its file's comment syntax."""
    marker = f"authgate: allow {f.rule_id} -- <why this is safe>"
    ext = posixpath.splitext(f.path or "")[1].lower()
    if ext in _SLASHES:
        return f"// {marker}"
    if ext in _DASHES:
        return f"-- {marker}"
    if ext in _MARKUP:
        return f"<!-- {marker} -->"
    return f"# {marker}"


def _allowlist_entry(f: Finding) -> list[str]:
    # A path-level finding (a whole file) has no line to carry an allow comment. A
    # finding about the whole change gets no allow advice: accepting it everywhere is
    # a config decision, not a way past one commit.
    path = (f.path or "").replace("\\", "\\\\").replace('"', '\\"')
    return ["[[tool.authgate.allowlist]]", f'rule = "{f.rule_id}"', f'path = "{path}"',
            'reason = "<why this is safe>"']


def how_to_proceed(verdict: Verdict, skip: tuple[str, ...],
                   python: str = sys.executable) -> list[str]:
    """Lines for a blocked verdict (none for one that passes). `skip`: the hook ids
    that would have to be skipped for this commit to go through (none: no commit)."""
    if not verdict.blocked:
        return []
    out = ["How to proceed:"]
    seen: set[str] = set()
    for f in verdict.blocking:
        if f.rule_id in seen:
            continue
        seen.add(f.rule_id)
        out.append(f"  {f.rule_id} ({f.location})" if f.path else f"  {f.rule_id}")
        if f.fix:
            out.append(f"    fix: {f.fix}")
        if f.path and f.line:
            out.append("    or, if it is intended, say why on that line or alone on the "
                       "line above:")
            out.append(f"      {allow_comment(f)}")
        elif f.path:
            out.append("    or, if it is intended, accept it for this file in pyproject.toml "
                       "(in .authgate.toml: [[allowlist]]):")
            out.extend(f"      {line}" for line in _allowlist_entry(f))
        out.append(f"    details: {shlex.quote(python)} -m authgate explain {f.rule_id}")
    # The last run is recorded only by `check` (lastrun.py), whose findings these are.
    out.append(f"  To accept them as false positives (allowlist entries in the config, "
               f"reviewed as a policy change): {shlex.quote(python)} -m authgate accept "
               f"--last --reason '<why they are safe>'")
    if skip:
        out.append(f"  To commit anyway: SKIP={','.join(skip)} git commit ... "
                   "(CI's `authgate verify` still checks the commit)")
    # A path is the user's text: no control character reaches the terminal.
    return ["".join(c if c.isprintable() else repr(c)[1:-1] for c in line) for line in out]
