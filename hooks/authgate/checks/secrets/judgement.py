"""What a detect-secrets finding is worth: a credential, uncertain, or no secret at all
(`judge`), by its plugin and its value; checks/leaks/ grades that by where the line
sits."""

from __future__ import annotations

import binascii
import functools
import importlib.util
import json
import math
import os
import re
import time
from collections.abc import Sequence
from typing import Any

from authgate.checks.secrets.engine import SecretHit
from authgate.checks.secrets.gate import _NEEDS, BUILTIN_PLUGINS
from authgate.pathmatch import any_match
from authgate.patterns import Lazy
from authgate.record import Record

# detect-secrets answers "could this be a secret?"; a block must mean "this is one".
# Each finding is judged here, by its plugin and its value, into one of three kinds:
#
# - CREDENTIAL: a provider's token format (AWS, GitHub, Slack, Stripe, ...), a private
#   key with its body, a signed and unexpired JWT, or a value that looks like a
#   credential (long enough, mixed characters, not words) where the line names a
#   secret;
# - UNCERTAIN: something a reviewer may want to see but that is not certainly a
#   credential: a placeholder or word-made value, a random string not named as a
#   secret, a password for a local host;
# - NONE: no secret at all: a variable or template reference, a name echoing its key,
#   prose, a file or class name, an algorithm name, a hash or id under a name that says
#   so, a lock file's checksums, an unsigned JWT, a PEM header without a key.
#
# checks/leaks/ grades the kind by where the line sits.

CREDENTIAL, UNCERTAIN, NONE = "credential", "uncertain", "none"

# Plugins whose patterns are a provider's token format: what they match is a
# credential by its shape (unless it is an obvious placeholder), in any file.
PROVIDER_PLUGINS = frozenset(_NEEDS) - {"BasicAuthDetector", "JwtTokenDetector",
                                        "KeywordDetector", "PrivateKeyDetector"}
ENTROPY_PLUGINS = frozenset(("Base64HighEntropyString", "HexHighEntropyString"))

# detect-secrets' gibberish filter's model and default limit. Its filter drops every
# value that is not gibberish, which would lose real passwords such as
# `A2TXCeO48mOt71`; here the model only decides whether a value made of letters reads
# as words.
GIBBERISH_LIMIT = 3.7


class Judgement(Record):
    kind: str  # CREDENTIAL, UNCERTAIN or NONE
    reason: str  # for people: why it is not (certainly) a credential, or what it is
    provider: bool = False  # a provider's token format: it blocks in tests and docs too
    host: str = ""  # basic-auth: the host the password is for


PLACEHOLDER_WORDS = frozenset((
    "password", "passwd", "pass", "pwd", "secret", "changeme", "changeit", "test", "testing",
    "example", "sample", "dummy", "fake", "mock", "foo", "bar", "baz", "foobar", "qux", "xxx",
    "todo", "fixme", "replaceme", "redacted", "none", "null", "nil", "empty", "admin",
    "root", "user", "username", "guest", "letmein", "hunter", "qwerty", "default",
    "placeholder", "yourpassword", "mypassword", "token", "apikey", "key", "value",
    "abc", "abcdef", "secretkey", "notasecret", "notsecret", "insecure", "dev", "local",
    # Default credentials of the images tests and compose files run against.
    "postgres", "postgresql", "mysql", "mariadb", "mongo", "mongodb", "redis", "rabbit",
    "rabbitmq", "sa", "oracle", "tiger", "scott", "minio", "minioadmin", "elastic", "kafka",
))
_LEET = str.maketrans("013457@$", "oieastas")
_PLACEHOLDER_PARTS = ("example", "changeme", "change_me", "change-me", "dummy", "fake",
                      "placeholder", "xxxx", "your_", "your-", "yourpass", "notreal",
                      "not-a-real", "not_a_real", "replace", "redacted", "insecure", "mock")


def entropy(value: str) -> float:
    if not value:
        return 0.0
    counts: dict[str, int] = {}
    for c in value:
        counts[c] = counts.get(c, 0) + 1
    n = len(value)
    return -sum(k / n * math.log2(k / n) for k in counts.values())


def is_placeholder(value: str) -> bool:
    """An obviously fake credential: a word like "password" or "changeme" (digits and
    punctuation aside), a template, a masked or repetitive string."""
    v = value.strip().strip("'\"`")
    low = v.lower()
    if not v or low in PLACEHOLDER_WORDS:
        return True
    if (v[0], v[-1]) in (("<", ">"), ("{", "}"), ("[", "]"), ("%", "%")) or v.startswith(
            ("$", "%(", "{{")):
        return True
    # "password123" and "P@ssw0rd" are still the word: digits and symbols dropped, or
    # read as the letters they stand for.
    plain = re.sub(r"[^a-z]", "", low)
    leet = re.sub(r"[^a-z]", "", low.translate(_LEET))
    if not plain or plain in PLACEHOLDER_WORDS or leet in PLACEHOLDER_WORDS:
        return True
    if any(part in low for part in _PLACEHOLDER_PARTS):
        return True
    if low.startswith(("test", "fake", "dummy", "mock", "sample", "example")):
        return True
    return entropy(v) < 2.5


def _provider_placeholder(token: str) -> bool:
    """A provider token made up for documentation: AKIA...EXAMPLE, xoxb-...XXXX."""
    low = token.lower()
    return any(part in low for part in _PLACEHOLDER_PARTS) or entropy(token) < 2.5


# Values that are language or configuration words, not literals anyone would choose.
_LITERAL_WORDS = frozenset((
    "true", "false", "yes", "no", "on", "off", "null", "nil", "none", "undefined", "nan",
    "inherit", "required", "optional", "auto", "string", "str", "bytes", "bool", "boolean",
    "number", "int", "integer", "float", "object", "any", "void", "char", "text", "hidden",
    "unknown", "blank",
))
_REFERENCE = Lazy(
    r"\$\{|\{\{|\$\(|%\(|#\{|<%|\bprocess\.env\b|\bos\.(?:environ|getenv)\b|\bgetenv\(|"
    r"\bENV(?:\[|\.fetch)|System\.getenv|\bsecrets\.[A-Za-z_]|\bvault:|^ref\+|"
    r"^\$[A-Za-z_]|^%[A-Za-z_]+%$|^@Value\(", re.IGNORECASE)
_DOTTED = Lazy(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*){2,}")
_FILE_NAME = Lazy(
    r"[\w.-]+\.(?:html?|json|ya?ml|txt|js|ts|py|rb|go|java|pem|key|crt|cer|der|p12|pfx|jks|"
    r"png|svg|css|xml|md|env|sh|conf|cfg|ini|toml|sql|tmpl|tpl)", re.IGNORECASE)
_URL = Lazy(r"[a-z][a-z0-9+.-]*://[^\s@]*", re.IGNORECASE)  # no user info
_PATH = Lazy(r"(?:~|\.{1,2})?/[\w.@%~-]{1,32}(?:/[\w.@%~-]{0,32})*")
_ALGORITHM = Lazy(
    r"sha-?\d+|md5|hs\d+|rs\d+|es\d+k?|ps\d+|eddsa|ed25519|ed448|x25519|x448|"
    r"a\d+(?:cbc-hs\d+|gcm|kw|gcmkw)|rsa(?:-oaep(?:-\d+)?)?|ecdh-es(?:\+a\d+kw)?|"
    r"pbes2-hs\d+\+a\d+kw|dir|aes(?:-?\d+)?(?:-gcm|-cbc)?|hmac(?:-?sha-?\d+)?|bcrypt|"
    r"scrypt|argon2(?:id|i|d)?|pbkdf2(?:[-_]sha\d+)?|basic|bearer|digest|plain", re.IGNORECASE)
# Words too short for the word test that still occur in names and phrases.
_SHORT_WORDS = frozenset(("a", "an", "at", "be", "by", "ci", "db", "do", "go", "id", "if", "in",
                          "io", "is", "it", "me", "my", "no", "of", "ok", "on", "or", "so",
                          "to", "up", "us", "we", "ui", "js", "ts", "v"))
_WORDS = Lazy(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def words(name: str) -> list[str]:
    """The words of a name or phrase, lower case: clientSecret, CLIENT_SECRET and
    client-secret are all ["client", "secret"]."""
    return [w.lower() for w in _WORDS.findall(name)]


@functools.lru_cache(maxsize=1)
def _letter_pair_costs() -> dict[str, dict[str, float]]:
    """-log P(next letter | letter) from the model detect-secrets ships for its
    gibberish filter (its letter-pair counts of RFC text). Read as data: installing the
    gibberish-detector package instead would switch `detect-secrets scan` and
    `detect-secrets-hook` themselves to their gibberish filter by default."""
    spec = importlib.util.find_spec("detect_secrets")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover
        return {}
    path = os.path.join(spec.submodule_search_locations[0], "filters", "gibberish",
                        "rfc.model")
    with open(path, encoding="utf-8") as f:
        counts = json.load(f)["counts"]
    costs = {}
    for a, row in counts.items():
        total = sum(row.values())
        costs[a] = {b: -math.log(n / total) for b, n in row.items() if n > 0}
    return costs


def gibberish_score(text: str) -> float:
    """The mean cost of the letter pairs of `text` (lower-cased, within runs of
    letters): about 2-3 for words, above 4 for random letters."""
    costs = _letter_pair_costs()
    unseen = max((c for row in costs.values() for c in row.values()), default=0.0)
    pairs = [costs.get(a, {}).get(b, unseen) for run in re.findall("[a-z]+", text.lower())
             for a, b in zip(run, run[1:])]
    return sum(pairs) / len(pairs) if pairs else 0.0


def reads_as_words(text: str) -> bool:
    """Language, not random letters, by detect-secrets' gibberish model and limit."""
    return gibberish_score(text) <= GIBBERISH_LIMIT


def _word_like(value: str) -> bool:
    """Made of words: `client-secret`, `ForgotPassword`, `attacker-password-123`,
    `N3verSt0red!`; not `A2TXCeO48mOt71` or `5aTkaPthIhFYTMEHeHpA`. Tokens between
    separators are words (digits read as the letters they stand for) or short numbers."""
    tokens = [t for t in re.split(r"[-_.:/=+ ]+", value.rstrip("!?.*#")) if t]
    parts: list[str] = []
    for token in tokens:
        if token.isdigit() and len(token) <= 4:
            continue
        core = re.sub(r"\d{1,4}$", "", token).translate(_LEET)
        if not core.isascii() or not core.isalpha():
            return False
        parts += _WORDS.findall(core)
    short = sum(1 for p in parts if len(p) < 3 and p.lower() not in _SHORT_WORDS)
    if not parts or short * 3 > len(parts):
        return False
    return reads_as_words(" ".join(parts))


def _prose(value: str) -> bool:
    tokens = value.split()
    if len(tokens) < 2:
        return False
    alpha = sum(1 for t in tokens if t.strip(".,:;!?()'\"").isalpha())
    return alpha * 2 >= len(tokens) and alpha >= 2


def value_kind(value: str) -> tuple[str, str]:
    """What a literal value is: CREDENTIAL, UNCERTAIN or NONE, and why."""
    v = value.strip().strip("'\"`")
    if not v:
        return NONE, "empty"
    if v.lower() in _LITERAL_WORDS:
        return NONE, "a language or configuration word"
    if _REFERENCE.search(v):
        return NONE, "a reference to a variable, the environment or a template"
    if _URL.fullmatch(v) or ("/" in v and _PATH.fullmatch(v)):
        return NONE, "a URL or a path"
    if _DOTTED.fullmatch(v) or _FILE_NAME.fullmatch(v):
        return NONE, "a module, class or file name"
    if _ALGORITHM.fullmatch(v):
        return NONE, "an algorithm or scheme name"
    if _prose(v):
        return NONE, "prose"
    if is_placeholder(v):
        return UNCERTAIN, "a placeholder value"
    if _word_like(v):
        return UNCERTAIN, "a value made of words"
    if len(v) < 8 or entropy(v) < 3.0 or re.fullmatch(r"(.{1,16}?)\1+", v):
        return UNCERTAIN, "too short or too regular for a credential"
    if v.isdigit():
        return UNCERTAIN, "a number"
    return CREDENTIAL, "looks like a credential"


# --- the name a value is given ---

_ASSIGN = Lazy(r"(?<![=!<>:])(?::=|=>|<-|=|:)(?![=:/])")
_LAST_NAME = Lazy(r"([A-Za-z_$@][\w$.@-]*)[^\w$.@-]*$")
_ARG_NAME = Lazy(r"""["']([\w.-]+)["']\s*,\s*[^\w,]*$""")


def name_before(line: str, pos: int) -> str:
    """The name the value at `pos` is assigned to (`password = "..."`, `"token": "..."`,
    `SECRET=...`, `param("code_challenge", "...")`), or "" when it has none."""
    head = line[max(0, pos - 160):pos]
    ops = list(_ASSIGN.finditer(head))
    if ops:
        m = _LAST_NAME.search(head[:ops[-1].start()][-100:])
        return m[1] if m else ""
    m = _ARG_NAME.search(head)
    return m[1] if m else ""


_SECRET_NAMES = frozenset((
    "password", "passwd", "passphrase", "pwd", "pass", "secret", "secrets", "token",
    "tokens", "apikey", "credential", "credentials", "creds", "cred", "bearer",
    "authorization", "auth", "privkey", "key", "keys",
))
_STRONG_NAMES = frozenset(("password", "passwd", "passphrase", "secret", "secrets"))
# Names of values that are not secret even next to a secret word: hashes, ids,
# public halves, signatures, places.
_PUBLIC_NAMES = frozenset((
    "public", "pub", "id", "ids", "kid", "cache", "primary", "foreign", "sort", "partition",
    "name", "names", "type", "types", "idempotency", "lookup", "index", "map", "field",
    "column", "prefix", "suffix", "length", "size", "len", "path", "file", "url", "uri",
    "endpoint", "env", "var", "count", "max", "min", "hash", "hashed", "digest", "checksum",
    "fingerprint", "thumbprint", "integrity", "sha", "signature", "sig", "nonce", "salt",
    "iv", "commit", "rev", "revision", "ref", "version", "etag", "uuid", "guid", "format",
    "header", "alg", "algorithm", "kty", "challenge", "verifier", "state", "hint",
))


def secret_name(name: str) -> bool | None:
    """Whether a name says its value is secret: True (`API_KEY`, `clientSecret`),
    False (`kid`, `sha256`, `publicKey`, `code_challenge`: it says the value is not),
    None (no name, or one that says neither: `SESSION`, `n`)."""
    ws = set(words(name))
    if ws & _PUBLIC_NAMES and not ws & _STRONG_NAMES:
        return False
    return True if ws & _SECRET_NAMES else None


def _echoes_name(name: str, value: str) -> bool:
    """`GrantTypePassword = "password"`, `FieldMfaSecrets = "mfa_secrets"`: the value
    is (part of) its own name."""
    vs = words(value)
    return bool(vs) and set(vs) <= set(words(name)) and "".join(vs) == re.sub(
        r"[^a-z]", "", value.lower())


# --- per plugin ---

LOCK_FILES = ("*.lock", "*-lock.json", "*-lock.yaml", "*.lockb", "go.sum", "*.snap",
              "__snapshots__/", "npm-shrinkwrap.json", "gradle.lockfile", "Package.resolved")
_SRI = Lazy(r"(?:sha(?:1|256|384|512))-$", re.IGNORECASE)
_PEM_HEADER = Lazy(r"BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_KEY_BODY = Lazy(r"[A-Za-z0-9+/]{40,}")
_ARMOR_HEADER = Lazy(r"[A-Za-z][A-Za-z-]*:\s")


def has_key_body(line: str, following: Sequence[str]) -> bool:
    """Whether a private key's body follows its PEM header: on the same line (after
    `\\n`) or on the next lines; `...` and nothing do not count."""
    m = _PEM_HEADER.search(line)
    if m is None:
        return True  # PuTTY and other formats: trust the plugin
    for text in (line[m.end():], *following[:6]):
        t = text.replace("\\n", " ").replace("\\r", " ").strip().strip("'\"`+,;()[]{}").strip()
        if not t or _ARMOR_HEADER.match(t):
            continue  # Proc-Type:, DEK-Info:, Version: ... come before the body
        return bool(_KEY_BODY.match(t.split()[0]))
    return False


def _b64json(part: str) -> Any:
    import base64  # only a JWT's judgement decodes: a commit without one skips the import

    try:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def judge_jwt(token: str, now: float | None = None) -> tuple[str, str]:
    parts = token.split(".")
    header = _b64json(parts[0])
    payload = _b64json(parts[1]) if len(parts) > 1 else None
    if not isinstance(header, dict):
        return UNCERTAIN, "not a readable token"
    if str(header.get("alg", "")).lower() == "none" or len(parts) < 3 or not parts[2]:
        return NONE, "an unsigned token (anyone can make one)"
    claims = payload if isinstance(payload, dict) else {}
    exp = claims.get("exp")
    if isinstance(exp, (int, float)) and not isinstance(exp, bool) and \
            exp < (time.time() if now is None else now):
        return UNCERTAIN, "an expired token"
    if str(claims.get("role", "")).lower() in ("anon", "anonymous", "public"):
        # Public by design (a Supabase anon key ships in every browser bundle).
        return UNCERTAIN, "a token for anonymous access"
    return CREDENTIAL, "a signed token"


def _occurrences(text: str, value: str, limit: int = 20) -> list[int]:
    out: list[int] = []
    i = text.find(value) if value else -1
    while i >= 0 and len(out) < limit:
        out.append(i)
        i = text.find(value, i + 1)
    return out


def judge(hit: SecretHit, line: str, following: Sequence[str] = (),
          literal: bool = True) -> Judgement:
    """What this finding is worth (see above). `line` is the added line as written,
    `following` the added lines after it, `literal`: an unquoted value on this line is
    a literal (configuration, documentation), not an expression (code)."""
    plugin = hit.plugin
    value = hit.secret
    if plugin in PROVIDER_PLUGINS or plugin not in BUILTIN_PLUGINS:
        if _provider_placeholder(value):
            return Judgement(UNCERTAIN, "a made-up token for documentation", provider=True)
        return Judgement(CREDENTIAL, "a provider's token format", provider=True)
    if plugin == "PrivateKeyDetector":
        if has_key_body(line, following):
            return Judgement(CREDENTIAL, "a private key", provider=True)
        return Judgement(NONE, "a key header without a key")
    if plugin == "JwtTokenDetector":
        return Judgement(*judge_jwt(value))
    if plugin == "IPPublicDetector":
        return Judgement(UNCERTAIN, "an address, not a credential")
    if plugin == "BasicAuthDetector":
        from urllib.parse import unquote

        kind, reason = value_kind(unquote(hit.value))
        at = line.find(hit.value + "@")
        m = re.match(r"@\[?([^\s/:?#'\"`\]]+)", line[at + len(hit.value):]) if at >= 0 \
            else None
        return Judgement(kind, reason, host=m[1] if m else "")
    pos = line.find(hit.value)
    if plugin in ENTROPY_PLUGINS:
        if any_match(LOCK_FILES, hit.path):
            return Judgement(NONE, "a checksum in a lock file or snapshot")
        if pos > 0 and _SRI.search(line[:pos]):
            return Judgement(NONE, "a subresource integrity hash")
        named = secret_name(name_before(line, pos)) if pos >= 0 else None
        if named is False:
            return Judgement(NONE, "a hash, id or public value under a name that says so")
        if named is None:
            return Judgement(UNCERTAIN, "a random string not named as a secret")
        return Judgement(*value_kind(value))
    # KeywordDetector: detect-secrets chose it by the name; judge the value.
    quoted = [i for i in _occurrences(line, hit.value) if i > 0 and line[i - 1] in "\"'`"]
    if quoted:
        pos = quoted[0]
    elif pos >= 0 and not literal:
        return Judgement(NONE, "an expression, not a literal")
    if pos >= 0 and _echoes_name(name_before(line, pos), hit.value):
        return Judgement(NONE, "the value repeats its own name")
    return Judgement(*value_kind(hit.value))
