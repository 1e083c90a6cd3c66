"""Whether a file's change is cosmetic: the same code before and after, up to
formatting, comments, string formatting (`"%s" % x` to f"{x}"), type annotations and
version numbers. A cosmetic change in an auth path is low impact: it decides nothing.

The code of each side is read as tokens (strings keep their literal text, so "HS256"
to "RS256" is a change; interpolations are code) and the two token sequences are
aligned; every difference must be one of the harmless kinds below. Anything else,
or a change too large to align cheaply, is not cosmetic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
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
    out: list[str] = []
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
            out.append("'" + "".join(literal) + "'")
            out.extend(code)
            literal, code = None, []
        if kind == "ver":
            out.append("<version>")
        elif m[0] != ";":  # statement ends are formatting
            # A postfix `!` (TypeScript's non-null assertion) is a type, not code.
            out.append(m[0][:-1] if kind == "id" and m[0].endswith("!") else m[0])
    if literal is not None:
        out.append("'" + "".join(literal) + "'")
        out.extend(code)
    # A trailing comma before a closing bracket is formatting.
    return [t for i, t in enumerate(out)
            if not (t == "," and i + 1 < len(out) and out[i + 1] in (")", "]", "}"))]


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


def same_code(old: Sequence[str], new: Sequence[str]) -> bool:
    """Whether two token sequences differ only cosmetically."""
    if old == new:
        return True
    if len(old) > MAX_TOKENS or len(new) > MAX_TOKENS:
        return False
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if not _harmless(old[i1:i2], new[j1:j2]):
            return False
    return True


def _harmless(removed: Sequence[str], added: Sequence[str]) -> bool:
    both = [*removed, *added]
    if all(t in _FORMAT or t == "<version>" for t in both):
        return True  # string formatting, a version number
    if all(t in _TYPE_WORDS or t in (",", ".") for t in both):
        return True  # a type spelled another way (Dict -> dict), or listed in an import
    if not removed or not added:
        chunk = removed or added
        literal = "Literal" in chunk
        if chunk[0] in (":", "->", "as") and all(_typeish(t, literal) for t in chunk[1:]):
            return True  # an annotation or a cast: `: str`, `-> Dict[str, Any]`, `as X`
        if all(t in ("(", ")") for t in chunk):
            return True  # parentheses around an expression
        if all(t in _TYPE_WORDS or t in _TYPE_PUNCT for t in chunk):
            return True  # part of a type respelled: `Optional[` of Optional[X] -> X | None
    elif len(removed) == len(added) == 1 and removed[0].strip("'") == added[0].strip("'") \
            and _FORWARD_REF.match(f"'{added[0].strip(chr(39))}'"):
        return True  # a forward reference unquoted: "PyJWK" -> PyJWK
    elif all(t in _TYPE_WORDS or t in _TYPE_PUNCT for t in both):
        return True  # Optional[X] -> X | None
    # Imports of types only.
    return ("import" in both or any(t in _TYPE_MODULES for t in both)) \
        and all(t in _IMPORT or t in _TYPE_WORDS for t in both)


_TYPE_MODULES = frozenset({"typing", "__future__", "typing_extensions"})
_FORWARD_REF = Rx(r"^'[A-Z][\w.]*(?:\[.*\])?'$")


def _typeish(t: str, literal: bool = False) -> bool:
    if t in ("True", "False"):
        return False
    if t.startswith("'"):
        return literal or bool(_FORWARD_REF.match(t))  # Literal["GET"], "Algorithm"
    return t in _TYPE_WORDS or t in _TYPE_PUNCT or (t[:1].isupper()
                                                     and t.replace("_", "").isalnum())
