"""Whether a file's change is cosmetic: the same code before and after, up to
formatting, comments, string formatting (`"%s" % x` to f"{x}"), type annotations and
version numbers. A cosmetic change in an auth path is low impact: it decides nothing.

Some changed lines decide nothing whatever they say, and are set aside before the
sides are compared (`inert`): module metadata (`__version__`, `__copyright__`), the
export list entries of names the change imports (a re-export), and statements that
only add or drop an index. Some spans of code are dropped from both sides' tokens
(`_normalise`): `cast(T, x)` is `x`, and a log call that passes no credential or
identity data is output, not a decision.

The code of each side is read as tokens (strings keep their literal text, so "HS256"
to "RS256" is a change; interpolations are code) and the two token sequences are
aligned; every difference must be one of the harmless kinds below. Anything else,
or a change too large to align cheaply, is not cosmetic.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from difflib import SequenceMatcher

from .text import Rx

# Larger changes are not aligned (the alignment is quadratic at worst) and count as
# real changes, which is the safe side.
MAX_TOKENS = 4000

_TOKEN = Rx(r"""
    (?P<ver>\bv?\d+\.\d+\.\d+[-+\w.]*)
  | (?P<str>(?:\b[rRbBuUfF]{1,2})?(?P<q>\"\"\"|'''|["'`])(?:\\.|(?!(?P=q)).)*(?P=q))
  | (?P<id>[A-Za-z_$][\w$]*[!?]?)
  | (?P<num>\d[\w.]*)
  | (?P<op>->|=>|===|!==|==|!=|<=|>=|\*\*|//|&&|\|\||::|\.\.\.|[^\s\w])
""", re.VERBOSE | re.DOTALL)
_PLACEHOLDER = Rx(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGa]|%[-#0 +]*\d*(?:\.\d+)?"
                          r"[sdifrxXeEgGa]|\{[^{}]*\}|\$\{[^{}]*\}|#\{[^{}]*\}")
_INTERPOLATION = Rx(r"\{([^{}]*)\}")
_EMPTY_INTERFACE = Rx(r"\binterface\s*\{\s*\}")  # Go's old spelling of `any`
_VERSION_TEXT = Rx(r"^(?:[\^~<>=v\s]*\d+(?:\.\d+)+[-+\w.]*|catalog:[\w-]*|workspace:\S*)$")

_TYPE_WORDS = frozenset({
    "str", "int", "float", "bool", "bytes", "dict", "list", "tuple", "set", "frozenset",
    "object", "None", "type", "Type", "Any", "Optional", "Union", "Dict", "List", "Tuple",
    "Set", "FrozenSet", "Sequence", "Mapping", "MutableMapping", "Iterable", "Iterator",
    "Callable", "Literal", "Final", "ClassVar", "TypeVar", "Generic", "Protocol", "Awaitable",
    "Coroutine", "NoReturn", "Never", "Self", "cast", "TYPE_CHECKING", "annotations", "typing",
    "typing_extensions", "__future__", "collections", "abc", "string", "number", "boolean",
    "any", "unknown", "void", "never", "bigint", "undefined", "null", "Record", "Partial",
    "Readonly", "ReadonlyArray", "Array", "Promise", "Pick", "Omit", "keyof", "readonly",
    "interface",
})
# Tokens that only format strings: "%s" % x, "{}".format(x), "a" + b.
_FORMAT = frozenset({"%", ".", "format", "(", ")", ",", "+"})
_TYPE_PUNCT = frozenset({":", "->", "[", "]", ",", "|", ".", "?", "<", ">", "(", ")", "=>"})
_IMPORT = frozenset({"from", "import", ",", ".", "(", ")", "as", "if", ":"})


def tokens(code_lines: Sequence[str]) -> list[str]:
    """The code of these lines (comments already removed) as comparable tokens.

    Adjacent strings are one string (implicit concatenation), with the code of their
    interpolations after it, so a string split over two lines or turned into an
    f-string compares equal up to the formatting operators."""
    return list(_tokens(code_lines))


def _tokens(code_lines: Sequence[str]) -> Iterator[str]:
    """`tokens`, one at a time: read only as far as a caller needs."""
    # A trailing comma before a closing bracket is formatting.
    held: str | None = None
    for t in _raw_tokens(code_lines):
        if held is not None and not (held == "," and t in (")", "]", "}")):
            yield held
        held = t
    if held is not None:
        yield held


def _raw_tokens(code_lines: Sequence[str]) -> Iterator[str]:
    literal: list[str] | None = None  # the string being gathered
    code: list[str] = []
    text = _EMPTY_INTERFACE.sub("any", "\n".join(code_lines))
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "str":
            part, inner = _string_parts(m[0])
            literal = [*(literal or []), part]
            code.extend(inner)
            continue
        if literal is not None:
            yield "'" + "".join(literal) + "'"
            yield from code
            literal, code = None, []
        if kind == "ver":
            yield "<version>"
        elif m[0] != ";":  # statement ends are formatting
            # A postfix `!` (TypeScript's non-null assertion) is a type, not code.
            yield m[0][:-1] if kind == "id" and m[0].endswith("!") else m[0]
    if literal is not None:
        yield "'" + "".join(literal) + "'"
        yield from code


def adds_code(code_lines: Sequence[str]) -> bool:
    """Whether adding these lines of code (nothing removed) is certainly not cosmetic:
    `same_code([], tokens(code_lines))` is False, decided from the first tokens that
    show it (a whole file added: its first `def` or `class` statement).

    Added alone, the tokens are harmless only if every one of them is a formatting,
    visibility, type or import word, or (after a leading `:`, `->` or `as`) a type or
    a name followed by `.` (`_harmless`). A word that is none of these (`witness`)
    settles it when `_normalise` keeps it and what follows it: it stands outside every
    bracket (every span `_normalise` drops or unwraps is a call's or annotation's
    brackets and the names just before them), is no name such a span starts with or
    is preceded by (`@`, `.`, a logger, `cast`, a marker, `self.`...), and is followed
    by a token that is kept as it is and is not `.`. False when the tokens never show
    it: the caller compares them."""
    depth = 0  # brackets open before the token; -1 for good once one closed unopened
    before = ""  # the token before
    witness = False  # the token before is a witness if what follows it is kept
    for t in _tokens(code_lines):
        if witness and t not in _KEPT_NEXT and not _LOG_RECEIVER.match(t):
            return True
        witness = depth == 0 and _witness(t) and before not in ("@", ".")
        if t in ("(", "[", "{"):
            if depth >= 0:
                depth += 1
        elif t in (")", "]", "}"):
            depth = depth - 1 if depth > 0 else -1
        before = t
    return False


# What a witness may not be followed by: a name, or what starts a span `_normalise`
# drops (then the next kept token could be `.`), or a name a later logger call drops
# with its `.`.
_KEPT_NEXT = frozenset({".", "@", "cast", "Rails", "self", "this"})
# Words `_normalise` reads specially, and every word a harmless addition may hold.
_NOT_WITNESS = frozenset({"Rails", "self", "this", "cast", "as", "from"})


def _witness(t: str) -> bool:
    """A name or number no harmless addition holds, that `_normalise` keeps where it
    stands outside brackets (see `adds_code`)."""
    if not (t[:1].isalnum() or t[:1] in ("_", "$")):
        return False  # an operator, a string or `<version>`
    if t in _NOT_WITNESS or t in _MARKERS or _LOG_RECEIVER.match(t):
        return False
    if t in _FORMAT or t in _VISIBILITY or t in _TYPE_WORDS or t in _IMPORT \
            or t in _TYPE_PUNCT:
        return False
    return not _typeish(t)


def _string_parts(text: str) -> tuple[str, list[str]]:
    """A string literal's text (placeholders dropped) and the tokens of its
    interpolated code."""
    head = re.match(r"[rRbBuUfF]*", text)
    prefix = head[0].lower() if head else ""
    body = text[len(prefix):]
    quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
    inner = body[len(quote):-len(quote)] if len(body) >= 2 * len(quote) else ""
    code: list[str] = []
    if "f" in prefix:
        code = [e for e in _INTERPOLATION.findall(inner) if e.strip()]
    elif quote == "`":
        code = re.findall(r"\$\{([^{}]*)\}", inner)
    elif quote == '"':
        code = re.findall(r"#\{([^{}]*)\}", inner)
    literal = _PLACEHOLDER.sub("", inner)
    if _VERSION_TEXT.match(literal.strip()):
        literal = "<version>"
    return literal, [t for expr in code for t in tokens([expr])]


_IMPORT_LINE = Rx(
    r"""^\s*(?:import\b|from\s+[\w.]+\s+import\b|export\s+(?:type\s+)?(?:\*|\{[^}]*\}?)\s*(?:from\b|$)"""
    r"""|(?:const|let|var)\s+[\w{}\s,$]+=\s*require\(|require(?:_relative)?[\s(]|use\s+[\w:\\]+"""
    r"""|using\s+[\w.]+\s*;|#include\b)""")
# Inside a multi-line import: a name, a name with an alias, a closing bracket.
_IMPORT_PART = Rx(r"^\s*(?:[\w.$]+(?:\s+as\s+\w+)?\s*,?|[)}\]]\s*(?:from\s.*)?;?)\s*$")


def imports_only(code_lines: Sequence[str]) -> bool:
    """Whether every changed line of code imports, requires or re-exports a name:
    which names a module pulls in decides nothing by itself."""
    return any(_IMPORT_LINE.match(c) for c in code_lines) and all(
        _IMPORT_LINE.match(c) or _IMPORT_PART.match(c) for c in code_lines)


# Module metadata: who wrote it, its version and licence, its one-line description.
_METADATA = Rx(r"^\s*__(?:version|version_info|author|authors|author_email|email|maintainer"
               r"|maintainer_email|copyright|license|licence|credits|status|title|description"
               r"|summary|url|uri|docformat|doc)__\s*(?::[^=]*)?=")
# An export list entry: a quoted name alone on its line (`"decode_complete",`).
_EXPORT_ENTRY = Rx(r"""^\s*(?P<q>["'])(?P<name>[A-Za-z_]\w*)(?P=q)\s*,?\s*$""")
_EXPORT_LIST = Rx(r"^\s*__all__\s*(?::[^=]*)?\+?=")
# Statements that add or drop an index: how rows are found, never who may read them.
_INDEX = Rx(r"(?i)^\s*(?:create\s+(?:unique\s+)?index|drop\s+index|reindex)\b"
            r"|^\s*(?:add_index|remove_index)\b|^\s*migrations\.(?:AddIndex|RemoveIndex|RenameIndex)\(")
# The lines that continue an index statement: its table, columns, predicate, options.
_INDEX_MORE = Rx(r"(?i)^\s*(?:on|where|using|include|with|concurrently|if)\b|^\s*[()`;\]]"
                 r"|^\s*(?:model_name|index|fields|name|condition|opclasses)\s*=")
_NAME = Rx(r"[A-Za-z_]\w*")


def inert(code_lines: Sequence[tuple[str, str]],
          typescript: bool = False) -> list[tuple[str, str]]:
    """The changed lines of code (kind, code) that could decide something: module
    metadata, re-exports of names the change imports, index statements (with the lines
    that continue them: table, columns, predicate), single-line imports, type aliases,
    package clauses and (TypeScript) type and interface declarations are left out."""
    # The names the change imports, read the first time an export entry asks (most
    # changes have none: reading every line for them cost more than the rest).
    imported: set[str] | None = None
    out: list[tuple[str, str]] = []
    index = False  # inside an index statement: its `on table (...)` and `where` lines
    # Per side, inside a TypeScript type declaration: its open brackets (or -1 where a
    # union may still continue on the next line).
    declaring: dict[str, int] = {}
    for kind, code in code_lines:
        if typescript:
            depth = declaring.pop(kind, None)
            started = _TS_TYPE.match(code)
            if started or (depth is not None and (depth > 0 or code.lstrip()[:1] in "|&"
                                                  or _TS_MORE.match(code))):
                depth = max(depth or 0, 0) + _depth(code)
                declaring[kind] = depth if depth > 0 else -1
                continue
        if _INDEX.search(code) or (index and _INDEX_MORE.match(code)):
            index = True
            continue
        index = False
        if _METADATA.match(code) or (_EXPORT_LIST.match(code) and code.rstrip().endswith("[")) \
                or (_IMPORT_LINE.match(code) and not code.rstrip().endswith(("(", "{", ","))) \
                or _type_alias(code) \
                or _TYPE_CHECKING.match(code) or _PACKAGE.match(code) \
                or _BLOCK_COMMENT.match(code):
            continue
        m = _EXPORT_ENTRY.match(code)
        if m:
            if imported is None:
                imported = {n for _, c in code_lines
                            if _IMPORT_LINE.match(c) or _IMPORT_PART.match(c)
                            for n in _NAME.findall(c)}
            if m["name"] in imported:
                continue
        out.append((kind, code))
    return out


# A TypeScript type or interface declaration: types only, erased when compiled.
_TS_TYPE = Rx(r"^\s*(?:export\s+)?(?:declare\s+)?(?:type\s+\w+(?:<[^=]*>)?\s*=|interface\s+\w+)")


_TS_MORE = Rx(r"^\s*(?:extends|implements)\b")


def _depth(code: str) -> int:
    """How many brackets a line opens and does not close."""
    bare = re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`", "", code)
    return sum(bare.count(c) for c in "{[(<") - sum(bare.count(c) for c in "}])>") \
        + bare.count("=>")


# A whole line in /* ... */: a comment wherever the syntax exists (SQL included).
_BLOCK_COMMENT = Rx(r"^\s*/\*.*\*/\s*$")
# A Go or Java package clause: which package a file belongs to.
_PACKAGE = Rx(r"^\s*package\s+[\w.]+\s*;?\s*$")
_TYPE_CHECKING = Rx(r"^\s*if\s+(?:typing\.)?TYPE_CHECKING\s*:\s*$")
_ALIAS = Rx(r"^\s*(?:type\s+|export\s+type\s+)?([A-Z]\w*)\s*(?::\s*TypeAlias\s*)?=\s*(.+?)\s*;?$")


def _type_alias(code: str) -> bool:
    """A type alias defined (`KeyLike = Union[str, bytes]`, `type Options = {...}`):
    a name for a type, used only where annotations are."""
    m = _ALIAS.match(code)
    if m is None:
        return False
    if code.lstrip().startswith(("type ", "export type ")):
        return True
    rhs = tokens([m[2]])
    return any(t in ("[", "|") for t in rhs) and all(_typeish(t) or t == "..." for t in rhs)


# A migration's operations that change data or what it means: anything but an index or
# a model's options (ordering, verbose names, managers).
_SCHEMA_OP = Rx(r"(?i)\b(?:create\s+(?:table|policy|function|trigger|view|type|role|user)"
                r"|alter\s+(?:table|policy|type|role|user|column)|drop\s+(?!index\b)\w+"
                r"|add\s+column|insert\s+into|update\s+\S+\s+set|delete\s+from|grant|revoke"
                r"|truncate|add_column|remove_column|change_column\w*|create_table|drop_table"
                r"|rename_\w+|add_reference|remove_reference|change_table|execute|RunPython|RunSQL"
                r"|add_foreign_key|remove_foreign_key)\b|\bmigrations\.(?!AlterModelOptions\b|"
                r"AddIndex\b|RemoveIndex\b|RenameIndex\b|AlterModelManagers\b|"
                r"AlterModelTableComment\b|Migration\b)\w+")
_INDEX_OP = Rx(r"(?i)\b(?:create\s+(?:unique\s+)?index|drop\s+index|add_index|remove_index)\b"
               r"|\bmigrations\.(?:AlterModelOptions|AddIndex|RemoveIndex|RenameIndex|"
               r"AlterModelManagers|AlterModelTableComment)\b")


def index_only_migration(changed: Sequence[str]) -> bool:
    """Whether a migration's changed lines only add, drop or rename indexes or alter a
    model's options: how rows are found and shown, never what they hold or who may
    read them."""
    text = "\n".join(changed)
    return _INDEX_OP.search(text) is not None and _SCHEMA_OP.search(text) is None


# A log call's receiver and method: logger.warning(, log.Printf(, console.warn(,
# Rails.logger.info(, LOG.debug(, slog.Info(.
_LOG_RECEIVER = Rx(r"^(?:_*log(?:ger)?|LOG(?:GER)?|Log(?:ger)?|logging|console|slog|klog|"
                   r"glog|zap|logrus)$")
_LOG_METHOD = Rx(r"(?i)^(?:debug|info|warn|warning|error|critical|exception|fatal|trace|"
                 r"log|notice|print|printf|println|debugf|infof|warnf|warningf|errorf|fatalf|"
                 r"tracef|debugw|infow|warnw|errorw|v)$")
# What a log call must not pass for its change to be output only: credentials and
# identity data (field exposure is a decision a reviewer sees).
_EXPOSED = Rx(r"(?i)token|passw|secret|key|credential|session|cookie|auth|hash|otp|user|"
              r"email|claim|identity|subject|principal|bearer|jwt|header|cert|signature|pii|"
              r"account|login|phone|ssn|card")


# Annotations that mark code for readers and compilers, never change what it does.
_MARKERS = frozenset({"Deprecated", "deprecated", "Override", "override", "SuppressWarnings",
                      "Nullable", "NonNull", "Nonnull", "NotNull", "CheckReturnValue",
                      "SafeVarargs", "FunctionalInterface", "Generated", "VisibleForTesting",
                      "since", "Since", "ApiStatus", "Experimental", "final", "typing_override"})


def _normalise(toks: list[str]) -> list[str]:
    """Tokens with the spans that decide nothing dropped: `cast(T, x)` is `x`; a log
    call that passes nothing identity-bearing is gone; so are marker annotations
    (`@Deprecated`, `@Override`, `@SuppressWarnings("x")`)."""
    out: list[str] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t == "@" and i + 1 < len(toks) and toks[i + 1] in _MARKERS:
            i += 2
            if toks[i:i + 1] == ["("]:
                close = _top_level(toks, i + 1, ")")
                i = i + 1 if close is None else close + 1
            continue
        if t == "cast" and toks[i + 1:i + 2] == ["("]:
            comma = _top_level(toks, i + 2, ",")
            close = _top_level(toks, i + 2, ")")
            if comma is not None and close is not None and comma < close:
                # Keep the value, drop the wrapper and its closing bracket.
                out.extend(_normalise(toks[comma + 1:close]))
                i = close + 1
                continue
        if _LOG_RECEIVER.match(t) and toks[i + 1:i + 2] == ["."] and i + 3 < len(toks) \
                and _LOG_METHOD.match(toks[i + 2]) and toks[i + 3] == "(" \
                and (not out or out[-1] != "."
                     or (len(out) >= 2 and out[-2] in ("Rails", "self", "this"))):
            close = _top_level(toks, i + 4, ")")
            if close is not None and not any(
                    _EXPOSED.search(a) for a in toks[i + 4:close] if not a.startswith("'")):
                if out and out[-1] == "." and len(out) >= 2:
                    del out[-2:]  # Rails.logger / self.logger
                i = close + 1
                continue
        out.append(t)
        i += 1
    return out


def _top_level(toks: Sequence[str], start: int, want: str) -> int | None:
    """The index of `want` at bracket depth 0 from `start` (inside a call's brackets)."""
    depth = 0
    for j in range(start, len(toks)):
        t = toks[j]
        if depth == 0 and t == want:
            return j
        if t in ("(", "[", "{"):
            depth += 1
        elif t in (")", "]", "}"):
            if depth == 0:
                return None
            depth -= 1
    return None


def same_code(old: Sequence[str], new: Sequence[str]) -> bool:
    """Whether two token sequences differ only cosmetically."""
    if old == new:
        return True
    old, new = _normalise(list(old)), _normalise(list(new))
    if old == new:
        return True
    if len(old) > MAX_TOKENS or len(new) > MAX_TOKENS:
        return False
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and i2 - i1 == j2 - j1 == 1 and i1 and old[i1 - 1] in _ANNOTATES \
                and {old[i1], new[j1]} & _PRIMITIVES and _typeish(old[i1]) and _typeish(new[j1]):
            continue  # `key: string` -> `key: SecretAlgorithm`: a type given a name
        if not _harmless(old[i1:i2], new[j1:j2]):
            return False
    return True


def _harmless(removed: Sequence[str], added: Sequence[str]) -> bool:
    both = [*removed, *added]
    if all(t in _FORMAT or t == "<version>" for t in both):
        return True  # string formatting, a version number
    if all(t in _VISIBILITY for t in both):
        return True  # who may call it (`export`, `public`, `private`), not what it does
    if all(t in _TYPE_WORDS or t in (",", ".") for t in both):
        return True  # a type spelled another way (Dict -> dict), or listed in an import
    if not removed or not added:
        chunk = removed or added
        literal = "Literal" in chunk
        if chunk[0] in (":", "->", "as") and all(
                _typeish(t, literal) or nxt == "." for t, nxt in zip(chunk[1:], [*chunk[2:], ""])):
            return True  # an annotation or a cast: `: str`, `-> Dict[str, Any]`, `as X`,
            # `: ClassVar[type[hashes.HashAlgorithm]]` (a module qualifies the type)
        if len(chunk) == 2 and chunk[0] == "from" and chunk[1].isidentifier():
            return True  # `raise X(...) from None`: which traceback is shown
        if all(t in ("(", ")") for t in chunk):
            return True  # parentheses around an expression
        if all(t in _TYPE_WORDS or t in _TYPE_PUNCT for t in chunk):
            return True  # part of a type respelled: `Optional[` of Optional[X] -> X | None
    elif len(removed) == len(added) == 1 and removed[0].strip("'") == added[0].strip("'") \
            and _FORWARD_REF.match(f"'{added[0].strip(chr(39))}'"):
        return True  # a forward reference unquoted: "PyJWK" -> PyJWK
    elif all(t in _TYPE_WORDS or t in _TYPE_PUNCT for t in both):
        return True  # Optional[X] -> X | None
    elif len(removed) == len(added) and all(_prose(a) and _prose(b)
                                             for a, b in zip(removed, added)):
        return True  # a message reworded: "must be a string, or None" -> "... or None"
    # Imports of types only.
    return ("import" in both or any(t in _TYPE_MODULES for t in both)) \
        and all(t in _IMPORT or t in _TYPE_WORDS for t in both)


# Words that make a string a sentence (a message), not a value: a scope list, an
# algorithm name or a key never holds them.
_STOPWORDS = frozenset({"a", "an", "the", "is", "are", "was", "be", "must", "not", "no",
                        "or", "and", "of", "to", "for", "in", "with", "could", "cannot",
                        "should", "can", "has", "have", "does", "did", "this", "that",
                        "please", "when", "if", "it", "its", "unable", "failed", "invalid"})
_SENTENCE_SQL = Rx(r"(?i)\bselect\b.*\bfrom\b|\binsert\s+into\b|\bupdate\s+\S+\s+set\b"
                   r"|\bdelete\s+from\b|\bwhere\s+\w+\s*(?:=|<|>|!|in\b|is\b|like\b)")


def _prose(t: str) -> bool:
    """Whether a string token is a sentence: three words or more, one of them a
    stopword, and no SQL."""
    if not t.startswith("'"):
        return False
    words = re.findall(r"[A-Za-z']+", t[1:-1].lower())
    return len(words) >= 3 and any(w in _STOPWORDS for w in words) \
        and not _SENTENCE_SQL.search(t)


# Built-in types a parameter may be narrowed from, and what precedes an annotation.
_PRIMITIVES = frozenset({"str", "int", "float", "bool", "bytes", "string", "number", "boolean",
                         "any", "unknown", "object", "bigint", "Any", "String", "Object"})
_ANNOTATES = frozenset({":", "->", "<", "|", "as"})
# Visibility modifiers: which modules may name a function, never what it decides.
_VISIBILITY = frozenset({"export", "public", "private", "protected", "internal"})
_TYPE_MODULES = frozenset({"typing", "__future__", "typing_extensions"})
_FORWARD_REF = Rx(r"^'[A-Z][\w.]*(?:\[.*\])?'$")


def _typeish(t: str, literal: bool = False) -> bool:
    if t in ("True", "False"):
        return False
    if t.startswith("'"):
        return literal or bool(_FORWARD_REF.match(t))  # Literal["GET"], "Algorithm"
    return t in _TYPE_WORDS or t in _TYPE_PUNCT or (t[:1].isupper()
                                                     and t.replace("_", "").isalnum())
