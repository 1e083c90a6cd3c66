"""The lossless prefilter: what each plugin cannot match without (literal prefixes,
keywords, minimum quoted-run lengths) assembled into one `Gate`, so detect-secrets is
imported only when some added line could hold a secret."""

from __future__ import annotations

import collections
import functools
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from authgate import patterns
from authgate.record import Record

_B64 = r"a-z0-9+/\\\-_="  # Base64HighEntropyString's charset (with IGNORECASE)
_HEX = r"0-9a-f"
DEFAULT_LIMITS = {"Base64HighEntropyString": 4.5, "HexHighEntropyString": 3.0}


class _Need(Record):
    """What every line a plugin reports contains: one of `literals` (any case), or a
    match of `pattern` in a line of at least `min_len` characters that holds one of
    `guards` (any case). Quoted patterns (the entropy plugins') need a quote in the
    line and a run over the plugin's limit (`Gate.entropic`)."""

    literals: tuple[str, ...] = ()
    pattern: str | None = None
    min_len: int = 0
    guards: tuple[str, ...] = ()
    quoted: bool = False
    # What a whole text is searched for to find the lines `pattern` may match, where
    # the pattern itself is slow to search for (it starts with a character class):
    # a part of every match that starts with a literal, or literal words one of which
    # every match holds (found all at once, `patterns.word_lines`).
    anchor: str | None = None
    anchor_words: tuple[str, ...] = ()
    # The plugin's pattern is case-sensitive: searched in the line as it is, where a
    # literal start is rare ("AC" in code) and `re` skips to it at C speed.
    exact: bool = False


_KEYWORDS = (*(f"{a}{sep}key" for a in ("api", "auth", "service", "account", "db", "database",
                                        "priv", "private", "client") for sep in ("", "_")),
             *(f"{a}{sep}pass" for a in ("db", "database", "key") for sep in ("", "_")),
             "password", "passwd", "pwd", "secret", "contrase")

# Per built-in plugin, from its patterns in detect-secrets 1.5.0. Where a plugin writes
# \d, so does this (\d also matches non-ASCII digits).
_NEEDS: dict[str, tuple[_Need, ...]] = {
    # Its secret-key pattern starts with "aws".
    "AWSKeyDetector": (_Need(literals=("a3t", "abia", "acca", "akia", "asia")),
                       _Need(pattern=r"""['"][0-9a-z/+]{40}['"]""", guards=("aws",),
                             anchor="aws")),
    "ArtifactoryDetector": (_Need(literals=("akc",)),
                            _Need(pattern=r"AP[\da-f][a-z0-9]{8}", min_len=11, guards=("ap",))),
    "AzureStorageKeyDetector": (_Need(literals=("accountkey=",)),),
    # Its pattern whole (user and password hold no reserved or sub-delimiter
    # character): "://" alone is in every URL, a tenth of the lines of docs.
    "BasicAuthDetector": (_Need(pattern=r"://[^:/?#\[\]@!$&'()*+,;=\s]+:"
                                        r"[^:/?#\[\]@!$&'()*+,;=\s]+@", min_len=7),),
    "CloudantDetector": (_Need(literals=("cloudant.com",)), _Need(
        pattern=r"cl(?:oudant|ou)?[_-]?(?:api)?(?:key|pwd|pw|pass|token)",
        guards=("key", "pw", "pass", "token"))),
    # Its shortest token is 1 + 23 + 1 + 6 + 1 + 27 = 59 characters.
    "DiscordBotTokenDetector": (_Need(
        pattern=r"[MNO][a-z\d_-]{23,25}\.[a-z\d_-]{6}\.[a-z\d_-]{27}", min_len=59,
        guards=(".",), anchor=r"\.[a-z\d_-]{6}\.[a-z\d_-]{27}"),),
    "GitHubTokenDetector": (_Need(literals=("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),),
    "GitLabTokenDetector": (_Need(literals=(
        "glpat-", "gldt-", "glft-", "glsoat-", "glrt-", "glcbt-", "glimt-", "glptt-",
        "glagent-", "gloas-", "gr1348941")),),
    # Its pattern also needs key|pwd|password|pass|token before the 44 characters.
    "IbmCloudIamDetector": (_Need(pattern="[a-z0-9_-]{44}", min_len=44,
                                  guards=("key", "pwd", "pass", "token"),
                                  anchor_words=("key", "pwd", "pass", "token")),),
    "IbmCosHmacDetector": (_Need(literals=("secret",)),),
    "JwtTokenDetector": (_Need(literals=("eyj",)),),
    # Every one of its patterns holds a word of its DENYLIST (`api_?key`, `password`,
    # `secret` ...): "key" or "pass" alone is not enough, and they are in a quarter of
    # the lines of real code (primary_key, passed).
    "KeywordDetector": (_Need(literals=_KEYWORDS),),
    "MailchimpDetector": (_Need(pattern=r"[0-9a-z]{32}-us[0-9]", min_len=36,
                                anchor=r"-us[0-9]"),),
    "NpmDetector": (_Need(literals=("_authtoken=",)),),
    "OpenAIDetector": (_Need(literals=("t3blbkfj",)),),
    "PrivateKeyDetector": (_Need(literals=("private key", "putty-user-key-file-2")),),
    "PypiTokenDetector": (_Need(literals=("pypi-age",)),),
    "SendGridDetector": (_Need(pattern=r"SG\.[a-z0-9_-]{22}\.", min_len=26, guards=("sg.",)),),
    "SlackDetector": (_Need(literals=("xox", "hooks.slack.com")),),
    "SoftlayerDetector": (
        # A separator may stand after "api" too (`softlayer_api_key`).
        _Need(pattern="s(?:oftlayer|l)[_-]?(?:api)?[_-]?(?:key|pwd|pass|token)",
              guards=("key", "pwd", "pass", "token")),
        # The plugin's own URL pattern leaves its dots unescaped.
        _Need(pattern="api.softlayer.com", guards=("softlayer",))),
    "SquareOAuthDetector": (_Need(literals=("sq0csp-",)),),
    "StripeDetector": (_Need(literals=("k_live_",)),),
    "TelegramBotTokenDetector": (_Need(pattern=r"\d{8}:[0-9a-z_-]{35}", min_len=44,
                                       guards=(":",), anchor=r":[0-9a-z_-]{35}"),),
    # Its two patterns are case-sensitive; each starts with a literal, so each is its
    # own need: `re` finds one literal start fast, an alternation of two slowly.
    "TwilioKeyDetector": (_Need(pattern="AC[a-z0-9]{32}", min_len=34, exact=True),
                          _Need(pattern="SK[a-z0-9]{32}", min_len=34, exact=True)),
}
BUILTIN_PLUGINS = (*sorted(_NEEDS), "Base64HighEntropyString", "HexHighEntropyString",
                   "IPPublicDetector")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")
_ALNUM_FILTER = "detect_secrets.filters.heuristic.is_not_alphanumeric_string"


# A shape need ready to test one line: (minimum length, guard words, the pattern
# lower-cased or as it is, whether it is searched in the line as it is).
_Shape = tuple[int, tuple[str, ...], re.Pattern[str], bool]


@functools.cache
def _plugin_needs(name: str) -> tuple[tuple[str, ...], tuple[_Shape, ...]] | None:
    """A built-in plugin's needs, ready to test one line: its literals and shapes.
    None: it has none (the entropy and IP plugins)."""
    needs = _NEEDS.get(name)
    if not needs:
        return None
    literals = tuple(lit for n in needs for lit in n.literals)
    shapes = tuple((n.min_len, n.guards, re.compile(n.pattern) if n.exact else _lowered(n.pattern),
                    n.exact) for n in needs if n.pattern)
    return literals, shapes


def may_report(name: str, line: str, lowered: str) -> bool:
    """Whether the built-in plugin `name` can report this ASCII `line` (`lowered`: it
    lower-cased): a line that passed the gate for one plugin's sake is not handed to
    the others, whose needs it does not meet. Not only faster: some plugins' own
    patterns are quadratic (NpmDetector's `//.+/:_auth` on a line of many `//`), and
    the literal keeps them off ordinary long lines."""
    needs = _plugin_needs(name)
    if needs is None:
        return True
    literals, shapes = needs
    if any(map(lowered.__contains__, literals)):
        return True
    n = len(line)
    return any(n >= min_len and (not guards or any(g in lowered for g in guards))
               and pattern.search(line if exact else lowered) is not None
               for min_len, guards, pattern, exact in shapes)


def _min_run(limit: float) -> int:
    # Shannon entropy is at most log2(length): a string must be longer than 2**limit
    # characters to exceed the limit.
    return math.floor(2 ** limit) + 1


class Gate(Record):
    """The prefilter: `search(line)` is false only for a line no configured plugin can
    report. ASCII lines take the fast path: the lower-cased line against lower-case
    literals and patterns (no IGNORECASE, which makes sre try every alternative at
    every position; a case-sensitive plugin's shape against the line itself), shape
    patterns only where their guards allow. Other lines go
    through one case-insensitive regex of it all, as Unicode case folding needs."""

    # The literals as one pattern (compiled on first use: `lines` finds them through
    # `words`, and a commit's lines rarely need `search`), and the same literals for
    # `lines` to find all at once over a whole text.
    literals: patterns.Lazy | None
    words: tuple[str, ...]
    # A long enough quoted run for some entropy plugin (lower-case, searched in the
    # lower-cased line), and then per plugin its own run pattern and entropy limit: a
    # line passes only with a run over the limit.
    quoted: re.Pattern[str] | None
    entropic: tuple[tuple[re.Pattern[str], float], ...]
    # (minimum line length, guard words as one pattern or None, the shape pattern,
    # whether it searches the line as it is rather than lower-cased)
    shapes: tuple[tuple[int, re.Pattern[str] | None, re.Pattern[str], bool], ...]
    full: patterns.Lazy  # compiled on first use: only lines that are not ASCII need it
    # Per shape, what `lines` searches a whole text for: its anchor (a pattern or
    # literal words), else the pattern.
    finders: tuple[re.Pattern[str] | tuple[str, ...], ...] = ()

    def search(self, line: str) -> bool:
        if not line.isascii():
            return self.full.search(line) is not None
        low = line.lower()
        if self.literals is not None and self.literals.search(low):
            return True
        if self.quoted is not None and ('"' in line or "'" in line) and \
                self.quoted.search(low) and self._entropic(line):
            return True
        n = len(line)
        for min_len, guard, pattern, exact in self.shapes:
            if n >= min_len and (guard is None or guard.search(low)) and \
                    pattern.search(line if exact else low):
                return True
        return False

    def lines(self, texts: Sequence[str]) -> list[int]:
        """The indices of the `texts` (lines without their line break) that `search`
        passes, found over their joined text: none of the patterns matches a line
        break. A line that is not ASCII goes through `search` itself, which folds its
        case as `re` does (str.lower does not fold "ſ" to "s")."""
        joined = "\n".join(texts)
        if joined.count("\n") != len(texts) - 1:
            return [i for i, t in enumerate(texts) if self.search(t)]
        low = joined.lower()
        hot = set(patterns.word_lines(low, self.words))
        if self.quoted is not None:
            hot.update(i for i in patterns.hit_lines(low, [self.quoted])
                       if i not in hot and self._entropic(texts[i]))
        if not joined.isascii():
            hot.update(i for i in patterns.hit_lines(joined, [_NOT_ASCII])
                       if self.search(texts[i]))
        for (min_len, guard, pattern, exact), finder in zip(self.shapes, self.finders):
            text = joined if exact else low
            found = patterns.word_lines(text, finder) if isinstance(finder, tuple) else \
                patterns.hit_lines(text, [finder])
            for i in found:
                if i not in hot:
                    line = texts[i].lower()
                    if len(line) >= min_len and (guard is None or guard.search(line)) \
                            and pattern.search(texts[i] if exact else line):
                        hot.add(i)
        return sorted(hot)

    def _entropic(self, line: str) -> bool:
        # detect-secrets' own entropy is never above Shannon's (it lowers it for
        # numbers); the margin absorbs a different order of float additions.
        return any(_shannon(m.group(2)) > limit - 1e-9
                   for rx, limit in self.entropic for m in rx.finditer(line))


def _shannon(run: str) -> float:
    n = len(run)
    return -sum(c / n * math.log2(c / n) for c in collections.Counter(run).values())


def _lowered(pattern: str) -> re.Pattern[str]:
    """`pattern` for matching a lower-cased ASCII line as IGNORECASE would match the
    line itself. Lower-casing a pattern would turn \\S into \\s: none may have one."""
    if re.search(r"\\[A-Z]", pattern):
        raise ValueError(f"prefilter pattern with an upper-case escape: {pattern}")
    return re.compile(pattern.lower())


def prefilter(plugins_used: Sequence[Mapping[str, Any]] | None = None,
              filters_used: Sequence[Mapping[str, Any]] | None = None) -> Gate | None:
    """The gate for these settings (default: detect-secrets' defaults); None when some
    plugin is unknown (a custom plugin): then every line is scanned."""
    key = json.dumps([plugins_used, filters_used], sort_keys=True, default=str)
    return _prefilter(key)


@functools.lru_cache(maxsize=8)
def _prefilter(key: str) -> Gate | None:
    plugins_used, filters_used = json.loads(key)
    if plugins_used is None:
        plugins_used = [{"name": n} for n in BUILTIN_PLUGINS]
    alnum_filter = filters_used is None or any(
        f.get("path") == _ALNUM_FILTER for f in filters_used)
    needs: list[_Need] = []
    entropic: list[tuple[re.Pattern[str], float]] = []
    for plugin in plugins_used:
        name = plugin.get("name")
        if plugin.get("path") or name not in BUILTIN_PLUGINS:
            return None
        if name in _NEEDS:
            needs.extend(_NEEDS[name])
        elif name == "IPPublicDetector":
            # An IPv4 address has no letter, so the default filter always drops it.
            if not alnum_filter:
                needs.append(_Need(pattern=r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}",
                                   min_len=7, guards=(".",)))
        else:
            limit = float(plugin.get("limit", DEFAULT_LIMITS[name]))
            charset = _B64 if name == "Base64HighEntropyString" else _HEX
            needs.append(_Need(pattern=rf"""['"][{charset}]{{{_min_run(limit)},}}['"]""",
                               quoted=True))
            # The plugin's run: between two equal quotes, found as it finds them.
            entropic.append((re.compile(rf"""(['"])([{charset}]+)\1""", re.IGNORECASE),
                             limit))
    literals = sorted({lit for n in needs for lit in n.literals}, key=lambda x: (-len(x), x))
    quoted = [n.pattern for n in needs if n.quoted and n.pattern]
    shapes = [n for n in needs if not n.quoted and n.pattern]
    every = [re.escape(lit) for lit in literals] + quoted + [n.pattern or "" for n in shapes]
    # The fast path tries shapes only after no literal matched: a guard word that holds
    # a literal ("pwd" holds "pwd") cannot be in the line then, and a shape whose
    # guards are all such words cannot match.
    fast = []
    finders: list[re.Pattern[str] | tuple[str, ...]] = []
    for n in shapes:
        guards = tuple(g for g in n.guards if not any(lit in g for lit in literals))
        if n.guards and not guards:
            continue
        guard = re.compile("|".join(re.escape(g) for g in guards)) if guards else None
        shape = n.pattern or ""
        finder = n.anchor or shape
        if n.exact:
            fast.append((n.min_len, guard, re.compile(shape), True))
            finders.append(re.compile(finder))
        else:
            fast.append((n.min_len, guard, _lowered(shape), False))
            finders.append(n.anchor_words or _lowered(finder))

    def union(parts: Sequence[str]) -> patterns.Lazy:
        return patterns.Lazy("|".join(f"(?:{p})" for p in parts) or "(?!)", re.IGNORECASE)

    return Gate(
        literals=patterns.Lazy(patterns.trie(literals)) if literals else None,
        words=tuple(literals),
        # Without IGNORECASE, which made sre try both cases at every quote: a third
        # faster over a tree. Only ASCII lines are searched with it; the others take
        # `full`, which holds the same runs case-insensitively and no entropy test.
        quoted=_lowered("|".join(f"(?:{p})" for p in quoted)) if quoted else None,
        entropic=tuple(entropic),
        shapes=tuple(fast),
        full=union(every),
        finders=tuple(finders),
    )
