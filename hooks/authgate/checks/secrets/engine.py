"""The added lines of a change through detect-secrets: the candidate lines (with the
line above, for the nextline pragma), and `scan`, which imports detect-secrets offline
and runs its plugins and filters as `detect-secrets-hook` would, baseline applied.
The detect-secrets entry points outside its public API are all here
(tests/test_packaging.py names them)."""

from __future__ import annotations

import atexit
import contextlib
import importlib
import json
import re
import sys
import types
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any

from authgate.changes import FileChange, Line
from authgate.checks.secrets.baseline import Baseline
from authgate.checks.secrets.gate import Gate, may_report, prefilter
from authgate.checks.secrets.transformers import View, transformer_of, views
from authgate.record import Record


class Candidate(Record):
    """An added line, with the line above it in the new file ('' when unknown) and the
    transformer detect-secrets may apply to its file ("auto": judge by the path). A
    tuple: a file with a transformer makes one for every line."""

    path: str
    number: int
    text: str
    previous: str
    transformer: str | None = "auto"


_SECTION = re.compile(r"^\s*\[[^\]]*\]\s*$")


def transformer(fc: FileChange) -> str | None:
    """`transformer_of` the path, sharpened by what the diff shows. detect-secrets reads
    an "other" file (`.pypirc`, `.env`) as INI on the first pass when it starts with a
    [section], and with its eager transformer (only if the first pass found nothing)
    otherwise. When the diff shows the top of the file we know which; when it does not,
    the first pass is assumed, which can only add findings."""
    kind = transformer_of(fc.path)
    if kind != "eager-ini":
        return kind
    for hunk in fc.hunks:
        if hunk.new_start != 1:
            continue
        for line in hunk.lines:
            stripped = line.text.strip()
            if line.kind == "-" or not stripped or stripped[0] in "#;":
                continue
            return "ini" if _SECTION.match(line.text) else "eager-ini"
    return "ini"


def candidates(fc: FileChange) -> Iterator[Candidate]:
    kind = transformer(fc)
    for hunk in fc.hunks:
        # With the hunk's context lines the line above is known; a hunk that starts at
        # line 1 has none, as for detect-secrets at the top of a file.
        previous = ""
        for line in hunk.lines:
            if line.kind == "-":
                continue
            if line.kind == "+" and line.new is not None:
                yield Candidate(fc.path, line.new, line.text, previous, kind)
            previous = line.text


def gated_candidates(fc: FileChange, gate: Gate | None) -> Iterator[Candidate]:
    """`candidates(fc)` less the lines the gate rules out, judged over the file's
    joined text (`Gate.lines`), so a line that holds nothing costs no Python step. A
    file with a transformer keeps every line: its views re-quote values, so the gate
    judges those and not the raw line."""
    kind = transformer(fc)
    if gate is None or kind is not None:
        yield from candidates(fc)
        return
    texts: list[str] = []
    starts: list[int] = []  # where each hunk's added lines start in `texts`
    # Per hunk: its lines as the new file shows them, and where its added ones stand.
    shown: list[tuple[Sequence[Line], Sequence[int]]] = []
    for hunk in fc.hunks:
        lines = hunk.lines
        starts.append(len(texts))
        if set(map(_KIND, lines)) == {"+"} and None not in map(_NEW, lines):
            # All added (a new file, every file of a tree): taken whole at C speed.
            shown.append((lines, range(len(lines))))
            texts += map(_TEXT, lines)
            continue
        visible = [ln for ln in lines if ln.kind != "-"]
        added = [j for j, ln in enumerate(visible) if ln.kind == "+" and ln.new is not None]
        shown.append((visible, added))
        texts += [visible[j].text for j in added]
    for i in gate.lines(texts):
        h = bisect_right(starts, i) - 1
        above, places = shown[h]
        j = places[i - starts[h]]
        line = above[j]
        # As `candidates`: the line above in the hunk, "" at its top.
        yield Candidate(fc.path, line.new or 0, line.text,
                        above[j - 1].text if j else "", kind)


_KIND, _TEXT, _NEW = itemgetter(0), itemgetter(1), itemgetter(3)  # a Line's fields


# --- the engine ----------------------------------------------------------------------


class SecretHit(Record):
    """One detect-secrets finding. `value` and `token` are raw secrets: the caller
    redacts them and must not keep them.

    `value` is what detect-secrets reports (and hashes into `secret_hash`, as a baseline
    does); `token` is the whole text its pattern matched. They differ where a plugin's
    pattern has a group: the GitHub and GitLab plugins report only the prefix ("ghp"),
    the basic-auth plugin only the password of `://user:password@`, the JWT plugin a
    token without its signature."""

    path: str
    line: int
    secret_type: str
    plugin: str
    value: str
    secret_hash: str  # SHA-1, as in a baseline
    token: str = ""
    # `pragma: allowlist secret` on the line (or `nextline` above) waves it through:
    # kept (when the caller asks) so the report counts it as a suppression.
    allowlisted: bool = False

    @property
    def secret(self) -> str:
        """The credential itself: the token when the value is just its prefix."""
        token = self.token or self.value
        if token != self.value and token.startswith(self.value) and (
                token[len(self.value):len(self.value) + 1] in ("_", "-", ".")
                or self.value.endswith(".")):
            return token
        return self.value


def _builtin(plugin: object) -> bool:
    # A custom plugin file may name its class like a built-in one.
    return type(plugin).__module__.startswith("detect_secrets.plugins.")


_JWT_TAIL = re.compile(r"[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+(?:\.[A-Za-z0-9_+/=-]*)?")
_VERIFY_FILTER = "detect_secrets.filters.common.is_ignored_due_to_verification_policies"
# It asks the file system whether the file exists; authgate reads git, not files.
_FILE_FILTER = "detect_secrets.filters.common.is_invalid_file"
_ALLOW_FILTER = "detect_secrets.filters.allowlist.is_line_allowlisted"


def scan_files(files: Iterable[FileChange], baseline: Baseline | None = None,
               skip_paths: Sequence[str] = (), allowlisted: bool = False) -> list[SecretHit]:
    """`scan` of the added lines of these files, each file gated as a whole first."""
    gate = prefilter(baseline.plugins_used if baseline else None,
                     baseline.filters_used if baseline else None)
    lines = (c for fc in files if fc.path not in skip_paths
             for c in gated_candidates(fc, gate))
    return scan(lines, baseline, skip_paths, allowlisted=allowlisted)


def scan(lines: Iterable[Candidate], baseline: Baseline | None = None,
         skip_paths: Sequence[str] = (), use_prefilter: bool = True,
         allowlisted: bool = False) -> list[SecretHit]:
    """detect-secrets findings on these added lines, minus the baseline's.

    `use_prefilter=False` hands every line to detect-secrets: the reference the
    prefilter is tested against. `allowlisted=True` keeps the findings its allowlist
    pragma waves through, marked `allowlisted` (detect-secrets drops them silently;
    authgate counts them)."""
    plugins_used = baseline.plugins_used if baseline else None
    filters_used = baseline.filters_used if baseline else None
    gate = prefilter(plugins_used, filters_used) if use_prefilter else None
    pairs: list[tuple[Candidate, View]] = []
    asked: list[int] = []  # the places in `pairs` of the views the gate must judge
    for cand in lines:
        if cand.path in skip_paths:
            continue
        for view in views(cand.path, cand.text, cand.previous, cand.transformer):
            # A line without a transformer came through `Gate.lines` already
            # (gated_candidates): asked again only when its view differs (trailing
            # space stripped). Asking is only ever a saving: the gate is lossless.
            if gate is not None and not (cand.transformer is None and view.line == cand.text):
                asked.append(len(pairs))
            pairs.append((cand, view))
    # The views of files with a transformer (every line of a YAML or an "other" file)
    # judged together, at C speed, rather than one search each.
    dropped = set(asked).difference(asked[i] for i in gate.lines(
        [pairs[k][1].line for k in asked])) if gate is not None and asked else set()
    first: dict[str, list[tuple[Candidate, View]]] = {}
    eager: dict[str, list[tuple[Candidate, View]]] = {}
    for k, (cand, view) in enumerate(pairs):
        if k not in dropped:
            (eager if view.eager else first).setdefault(cand.path, []).append((cand, view))
    if not first and not eager:
        return []
    hits = _engine(first, eager, plugins_used, filters_used, gated=use_prefilter,
                   keep_allowlisted=allowlisted)
    if baseline is not None:
        hits = [h for h in hits if not baseline.accepts(h.path, h.secret_type, h.secret_hash)]
    return hits


class _NoNetwork(types.ModuleType):
    """Stands in for `requests` while detect-secrets imports.

    detect-secrets imports requests (about 60 ms with urllib3) only to verify secrets
    online, which authgate never does; at import time it needs nothing but the names
    `requests.Response` (in annotations) and `requests.exceptions.RequestException`
    (in except clauses). Any attribute is an exception class, so both resolve."""

    class Unavailable(Exception):
        pass

    def __getattr__(self, name: str) -> Any:
        return self if name == "exceptions" else self.Unavailable


class _Deferred(types.ModuleType):
    """Stands in for `multiprocessing` while detect-secrets imports: its
    SecretsCollection imports it (about 7 ms: pickle, socket and more) to scan many
    files at once, which authgate never asks of it. Whatever uses it later gets the
    real module, imported then."""

    def __getattr__(self, name: str) -> Any:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


def _import_detect_secrets_offline() -> None:
    if "detect_secrets.filters.common" in sys.modules:
        return
    stubs: dict[str, types.ModuleType] = {}
    if "requests" not in sys.modules:
        stubs["requests"] = sys.modules["requests"] = _NoNetwork("requests")
    if "multiprocessing" not in sys.modules:
        stubs["multiprocessing"] = sys.modules["multiprocessing"] = _Deferred("multiprocessing")
    try:
        # Every module that imports requests, loaded while the stand-in is there: the
        # scanner, the plugin classes (all of them, as settings will) and the filters.
        import detect_secrets.core.scan
        import detect_secrets.filters.common  # noqa: F401
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
        get_mapping_from_secret_type_to_class()
        # Its cache must not outlive the warm-up: settings that name a custom plugin
        # file extend the mapping when they are applied.
        get_mapping_from_secret_type_to_class.cache_clear()
    finally:
        # Gone again at once: anything else in this process imports the real modules.
        for name, stub in stubs.items():
            if sys.modules.get(name) is stub:
                del sys.modules[name]


def _engine(first: Mapping[str, list[tuple[Candidate, View]]],
            eager: Mapping[str, list[tuple[Candidate, View]]],
            plugins_used: Sequence[Mapping[str, Any]] | None,
            filters_used: Sequence[Mapping[str, Any]] | None,
            gated: bool = True, keep_allowlisted: bool = False) -> list[SecretHit]:
    # detect-secrets costs about 0.1 s to import: only here, once a line needs it.
    _import_detect_secrets_offline()
    from detect_secrets.core.scan import _is_filtered_out, _scan_line
    from detect_secrets.filters.allowlist import is_line_allowlisted
    from detect_secrets.plugins.base import RegexBasedDetector
    from detect_secrets.util.code_snippet import CodeSnippet

    def whole(plugin: Any, line: str, value: str) -> str:
        if isinstance(plugin, RegexBasedDetector):
            for regex in plugin.denylist:
                for m in regex.finditer(line):
                    if value in m.group(0):
                        if type(plugin).__name__ == "JwtTokenDetector":
                            # Its pattern stops lazily before the signature.
                            return _JWT_TAIL.match(line, m.start()).group(0)  # type: ignore[union-attr]
                        return str(m.group(0))
        return value

    hits: dict[tuple[str, int, str, str], SecretHit] = {}

    def walk(path: str, items: Sequence[tuple[Candidate, View]]) -> bool:
        """detect-secrets' _process_line_based_plugins over these lines, with the line
        above given by the diff rather than by reading the file. True on a finding."""
        found = False
        for cand, view in items:
            line = view.line
            snippet = CodeSnippet([view.above, line], max(cand.number - 2, 0), 1)
            # ASCII only: case folding elsewhere is the full gate's business.
            lowered = line.lower() if gated and line.isascii() else None
            reported = [(plugin, secret) for plugin, name in named
                        if lowered is None or name is None or may_report(name, line, lowered)
                        for secret in _scan_line(plugin=plugin, filename=path, line=line,
                                                 line_number=cand.number, context=snippet)]
            # detect-secrets runs its line filters before the plugins; after them is the
            # same (both are pure) and spares the lines that hold nothing its
            # indirect-reference filter, which is quadratic in the line's length.
            if not reported or _is_filtered_out(required_filter_parameters=["line"],
                                                filename=path, line=line, context=snippet):
                continue
            # The pragma's filter, run here instead of among the others when its hits
            # are kept: what it waves through is marked, not lost.
            pragma = bool(keep) and is_line_allowlisted(filename=path, line=line,
                                                        context=snippet)
            for plugin, secret in reported:
                if _is_filtered_out(required_filter_parameters=["context"],
                                    filename=path, secret=secret.secret_value,
                                    plugin=plugin, line=line, context=snippet):
                    continue
                # A waved-through finding does not count as one for the eager pass, as
                # when detect-secrets' filter drops it.
                found = found or not pragma
                key = (path, cand.number, secret.type, secret.secret_hash)
                value = str(secret.secret_value)
                hit = SecretHit(
                    path=path, line=cand.number, secret_type=secret.type,
                    plugin=type(plugin).__name__, value=value,
                    secret_hash=secret.secret_hash, token=whole(plugin, line, value),
                    allowlisted=pragma)
                if key not in hits or (hits[key].allowlisted and not pragma):
                    hits[key] = hit
        return found

    plugins, keep = _settings(plugins_used, filters_used, keep_allowlisted)
    # Each plugin with its name when it is a built-in one (whose needs are known).
    named = [(p, type(p).__name__ if _builtin(p) else None) for p in plugins]
    for path in sorted({*first, *eager}):
        if _is_filtered_out(required_filter_parameters=["filename"], filename=path):
            continue
        # Like scan_file: the eager transformer only when the first pass found
        # nothing (here: on the added lines, so never less than detect-secrets).
        if not walk(path, first.get(path, ())) and path in eager:
            walk(path, eager[path])
    return list(hits.values())


# detect-secrets' settings are process-global. Setting them up (plugins made, filter
# caches emptied and filled again) cost more than a commit's lines in verify, which
# judges hundreds of commits in a process: the last ones stay set, with what they
# were made from and what detect-secrets then held, until a scan wants others or
# something else changed them.
_ACTIVE: list[tuple[str, Any, contextlib.ExitStack, list[Any], bool]] = []


def _settings(plugins_used: Sequence[Mapping[str, Any]] | None,
              filters_used: Sequence[Mapping[str, Any]] | None,
              keep_allowlisted: bool) -> tuple[list[Any], bool]:
    """The plugins to run, and whether the pragma's findings are kept, with
    detect-secrets set for these settings."""
    from detect_secrets.settings import (
        default_settings,
        get_plugins,
        get_settings,
        transient_settings,
    )

    key = json.dumps([plugins_used, filters_used, keep_allowlisted], sort_keys=True,
                     default=str)
    if _ACTIVE and _ACTIVE[0][0] == key and _ACTIVE[0][1] == _state(get_settings()):
        return _ACTIVE[0][3], _ACTIVE[0][4]
    if _ACTIVE:
        _ACTIVE.pop()[2].close()
    if plugins_used is None:
        settings_cm = default_settings()
    else:
        config: dict[str, Any] = {"plugins_used": [dict(p) for p in plugins_used]}
        if filters_used is not None:
            config["filters_used"] = [dict(f) for f in filters_used]
        settings_cm = transient_settings(config)
    stack = contextlib.ExitStack()
    settings = stack.enter_context(settings_cm)
    # The pragma counts only where the settings use its filter (a baseline may not).
    keep = keep_allowlisted and _ALLOW_FILTER in settings.filters
    settings.disable_filters(_VERIFY_FILTER, _FILE_FILTER, *((_ALLOW_FILTER,) if keep
                                                               else ()))
    plugins = get_plugins()
    _ACTIVE.append((key, _state(get_settings()), stack, plugins, keep))
    return plugins, keep


def _state(settings: Any) -> str:
    # What detect-secrets holds: its plugins and filters with their options (its own
    # json() does not show a filter disabled after the settings were made).
    return json.dumps([settings.plugins, settings.filters], sort_keys=True, default=str)


@atexit.register
def _unset() -> None:
    # Restored while the interpreter still runs: the settings' exit imports modules.
    while _ACTIVE:
        _ACTIVE.pop()[2].close()
