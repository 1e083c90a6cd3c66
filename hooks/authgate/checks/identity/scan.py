"""One file of a change as the identity rules read it: its path class, which changed
lines are code (not comments, docstrings or block comments), which changed lines only
moved, whether the whole change is cosmetic; each built the first time a rule asks."""

from __future__ import annotations

import keyword
from collections import Counter

from authgate.changes import FileChange, Hunk
from authgate.checks.context import blank_strings, comment_flags, comment_start
from authgate.contentkind import generated_header
from authgate.findings import Finding

from . import cosmetic
from .paths import PathClass
from .text import Rx, norm


class FileScan:
    """One file of the change, and what the rules learn of it as they read it."""

    def __init__(self, fc: FileChange, pc: PathClass, findings: list[Finding]) -> None:
        self.fc, self.pc, self.findings = fc, pc, findings
        self.new_text: str | None = None  # the file's visible new lines, on demand
        self.changed_lower: str | None = None  # its added and removed lines, lower-cased
        self.defined: dict[str, set[str]] | None = None  # unit regex -> names defined
        self.absent_seen: dict[str, bool] | None = None  # absence regex -> found
        self._comments: dict[int, list[bool]] = {}
        self._cosmetic: bool | None = None
        self.renamed_same = False  # renamed unchanged from a name of the same tier
        self.moves: Moves | None = None  # the change's moved lines, shared by its files
        # Changed lines of code where a content or pattern rule saw an auth decision,
        # with the rule's topic: what the negative-case tests are asked for.
        self.decisions: list[tuple[str, str]] = []

    def visible(self) -> str:
        if self.new_text is None:
            self.new_text = "\n".join(ln.text for h in self.fc.hunks for ln in h.lines
                                      if ln.kind != "-")
        return self.new_text

    def shows(self, rx: Rx) -> bool:
        """Whether `rx` occurs anywhere in the file's new lines: asked once per file
        and pattern, however many lines match (an absence check read the whole file
        once per matching line)."""
        if self.absent_seen is None:
            self.absent_seen = {}
        if rx.source not in self.absent_seen:
            self.absent_seen[rx.source] = rx.search(self.visible()) is not None
        return self.absent_seen[rx.source]

    def changed(self) -> str:
        if self.changed_lower is None:
            self.changed_lower = "\n".join(ln.text for h in self.fc.hunks for ln in h.lines
                                            if ln.kind != " ").lower()
        return self.changed_lower

    def names(self, unit: Rx) -> set[str]:
        if self.defined is None:
            self.defined = {}
        if unit.source not in self.defined:
            found = set()
            for ln in self.fc.added:
                m = unit.search(ln.text)
                if m:
                    found.add(next(g for g in m.groups() if g))
            self.defined[unit.source] = found
        return self.defined[unit.source]

    # --- what is code --------------------------------------------------------------

    def comments(self, h: int) -> list[bool]:
        """For each line of hunk `h`: is it a comment? Read side by side, so the inside
        of a docstring or a /* ... */ block counts, as far as the hunk shows it."""
        if h not in self._comments:
            hunk = self.fc.hunks[h]
            flags = [False] * len(hunk.lines)
            for kind in ("+", "-"):
                shown = [i for i, ln in enumerate(hunk.lines) if ln.kind in (" ", kind)]
                side = _comment_flags(self.fc.path, [hunk.lines[i].text for i in shown])
                for i, flag in zip(shown, side):
                    if hunk.lines[i].kind == kind or kind == "+":
                        flags[i] = flag
            self._comments[h] = flags
        return self._comments[h]

    def code(self, hunk: Hunk, h: int, i: int) -> str | None:
        """Line `i` of hunk `h` without its trailing comment; None for a comment."""
        if self.comments(h)[i]:
            return None
        text = hunk.lines[i].text
        cut = comment_start(self.fc.path, text)
        return text if cut is None else text[:cut]

    def moved(self, h: int, i: int) -> bool:
        """Whether changed line `i` of hunk `h` appears, as code, on the other side of
        the change too (in this file or another): moved or re-indented, not changed."""
        if self.moves is None:
            self.moves = Moves([self])
        return self.moves.moved(self, h, i)

    def code_lines(self) -> list[tuple[str, str]]:
        """(kind, code) of every changed line of code, comments and blanks left out."""
        out = []
        for h, hunk in enumerate(self.fc.hunks):
            for i, ln in enumerate(hunk.lines):
                if ln.kind != " ":
                    code = self.code(hunk, h, i)
                    if code and code.strip():
                        out.append((ln.kind, code))
        return out

    def generated(self) -> bool:
        """Whether the file says it is generated (`Code generated ... DO NOT EDIT`,
        `@generated`) in its first lines, as far as the change shows them."""
        for hunk in self.fc.hunks[:1]:
            if hunk.new_start > 1:
                return False
            head = [ln.text for ln in hunk.lines if ln.kind != "-"][:10]
            # The header is the content catalog's (contentkind.py), one definition.
            return generated_header(head)
        return False

    def is_cosmetic(self) -> bool:
        """Whether the file's code is the same before and after, up to formatting,
        comments, string formatting, annotations and versions (`cosmetic`), once the
        lines that decide nothing whatever they say are set aside (`cosmetic.inert`)."""
        if self._cosmetic is None:
            path = self.fc.path
            raw = self.code_lines()
            # A TypeScript declaration file holds types only: erased when compiled.
            self._cosmetic = bool(self.fc.hunks) and (
                path.endswith((".d.ts", ".d.mts", ".d.cts"))
                or (self._migration() and cosmetic.index_only_migration(
                    [code for _, code in raw]))
                # Compared as they are, and without the inert lines: setting lines
                # aside can split what only moved between lines (a re-wrapped import).
                or _same(raw) or _same(cosmetic.inert(raw, typescript=path.endswith(
                    (".ts", ".tsx", ".mts", ".cts")))))
        return self._cosmetic

    def _migration(self) -> bool:
        return "migration" in self.pc.roles or _MIGRATION_DIR.search(self.fc.path) is not None


def _same(lines: list[tuple[str, str]]) -> bool:
    old = [code for kind, code in lines if kind == "-"]
    new = [code for kind, code in lines if kind == "+"]
    if not lines or cosmetic.imports_only([code for _, code in lines]):
        return True
    # Lines only added (every file of a tree): most show code in their first tokens,
    # and the rest need not be read.
    if not old and cosmetic.adds_code(new):
        return False
    return cosmetic.same_code(cosmetic.tokens(old), cosmetic.tokens(new))


_MIGRATION_DIR = Rx(r"(?i)(?:^|/)(?:migrations?|migrate|alterations?)/")


class Moves:
    """The changed lines of code of a whole change, by side: a line removed in one
    place and added in another (a function moved to another file) only moved."""

    def __init__(self, scans: list[FileScan]) -> None:
        self._scans = scans
        self._sides: tuple[Counter[str], Counter[str]] | None = None
        self._texts: tuple[set[str], set[str]] | None = None  # a superset of the sides
        self._removes: bool | None = None

    def moved(self, scan: FileScan, h: int, i: int) -> bool:
        if self._removes is None:
            # Nothing removed anywhere (a whole tree, new files): nothing moved, and no
            # line needs classifying to say so.
            self._removes = any(ln.kind == "-" for s in self._scans for hk in s.fc.hunks
                                for ln in hk.lines)
        if not self._removes:
            return False
        hunk = scan.fc.hunks[h]
        line = scan.code(hunk, h, i)
        if not line or not line.strip():
            return False
        key, other = _line_key(line), hunk.lines[i].kind != "+"
        if self._sides is None:
            if self._texts is None:
                # Every changed line, comment or code, by side: telling which are code
                # reads every hunk of the change, and most lines stand on neither side.
                texts: tuple[set[str], set[str]] = (set(), set())
                for s in self._scans:
                    for hk in s.fc.hunks:
                        for ln in hk.lines:
                            if ln.kind != " ":
                                cut = comment_start(s.fc.path, ln.text)
                                code = ln.text if cut is None else ln.text[:cut]
                                if code.strip():
                                    texts[ln.kind == "+"].add(_line_key(code))
                self._texts = texts
            if key not in self._texts[other]:
                return False  # no changed line says it there, code or not
            sides: tuple[Counter[str], Counter[str]] = (Counter(), Counter())
            for s in self._scans:
                for kind, text in s.code_lines():
                    sides[kind == "+"][_line_key(text)] += 1
            self._sides = sides
        return self._sides[other][key] > 0


_TRIPLE = Rx(r"\"\"\"|'''")


def _comment_flags(path: str, texts: list[str]) -> list[bool]:
    """`comment_flags`, plus for Python a hunk that starts inside a docstring: when the
    first triple quote it shows closes one (it ends its line and does not follow a
    `def`/`class` header), the lines down to it are the docstring's; when it shows no
    triple quote at all and every line of it is prose, all of it is."""
    if path.endswith((".py", ".pyi")):
        # `_TRIPLE` finds a triple quote exactly where the line holds one: asked of
        # the substrings first, a file's thousands of lines cost no regex call.
        if not any('"""' in t or "'''" in t for t in texts) and _prose(texts):
            return [True] * len(texts)
        for k, text in enumerate(texts):
            if '"""' not in text and "'''" not in text:
                continue
            quotes = _TRIPLE.findall(text)
            if not quotes:
                continue
            stripped = text.strip()
            header = k > 0 and texts[k - 1].rstrip().endswith(":")
            closes = len(quotes) % 2 == 1 and stripped.endswith(quotes[-1]) \
                and (stripped != quotes[-1] or not header) \
                and "=" not in stripped.split(quotes[-1])[0]
            if closes and not (stripped.startswith(quotes[0]) and stripped != quotes[0]):
                return [True] * (k + 1) + comment_flags(path, texts[k + 1:])
            break
    return comment_flags(path, texts)


# Python's keywords (and soft keywords): the only words that may stand next to another
# word in code (`not in`, `import x`, `return value`, `lambda x`).
_KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | {"print", "exec"}
_WORD_PAIR = Rx(r"(?<![\w.'\"])([A-Za-z_]\w*)[ ]+([A-Za-z_]\w*)(?![\w(\[.'\"])")
# Lines a docstring holds that are not sentences: reST fields and directives, doctest
# prompts, bullets, underlines.
_DOC_MARKUP = Rx(r"^(?::\w[\w ]*:|\.\. |>>> |\.\.\. |[-*+] |[=~^-]{3,}$|`)")
_SQL = Rx(r"\b(?:SELECT|INSERT|UPDATE|DELETE|FROM|WHERE|JOIN|VALUES|SET)\b")
# Code never ends a line on a sentence's full stop, nor has a backslash mid-line
# outside a string.
_NOT_CODE = Rx(r"[A-Za-z)\]`]\.$|\\(?!$)")


def _prose(texts: list[str]) -> bool:
    """Whether lines of a Python hunk are prose (the inside of a docstring the hunk
    does not show the quotes of): every non-blank line is a sentence (two words side
    by side, neither a keyword, as code never has them) or doc markup, and none reads
    as SQL."""
    shown = [t.strip() for t in texts if t.strip()]
    if not shown:
        return False
    for t in shown:
        if _SQL.search(t):
            return False
        if _DOC_MARKUP.match(t):
            continue
        # The lexer's strings, escapes and all: a quote escaped inside a literal
        # ("x \"y\"") must not end it and leave its words looking like prose.
        bare = blank_strings(t)
        cut = comment_start(".py", bare)
        bare = bare if cut is None else bare[:cut]
        if _NOT_CODE.search(bare.rstrip()):
            continue
        if not any(a not in _KEYWORDS and b not in _KEYWORDS
                   for a, b in _WORD_PAIR.findall(bare)):
            return False
    return True


def _line_key(code: str) -> str:
    return norm(code).rstrip(",;").replace("'", '"')
