"""`authgate msg FILE [SOURCE [COMMIT]]`: the commit gate (hook id authgate-trailers).

Runs at prepare-commit-msg and commit-msg. It judges the staged index together with
the message being written (AI evidence such as a Co-Authored-By trailer exists only
there), then either blocks the commit, leaving the message file exactly as it was and
saying how to get it back, or writes the trailers the verdict calls for.

pre-commit passes only the file name; the prepare-commit-msg source and commit come
from PRE_COMMIT_COMMIT_MSG_SOURCE / PRE_COMMIT_COMMIT_OBJECT_NAME. Installed as a
plain git hook, git passes them as arguments. cherry-pick and rebase run only
prepare-commit-msg, so both stages do the full job; commit-msg sees the final text.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from dataclasses import dataclass

from authgate import changes, config, escape, gitio, trailers
from authgate.config import TrailerNames
from authgate.exits import Exit
from authgate.guidance import TRAILERS_HOOK, how_to_proceed
from authgate.pipeline import evaluate_staged
from authgate.rules import agent_variables

# `trailer.<name>.<variable>` settings that make <name> a trailer git recognises.
_TRAILER_VARIABLES = ("key", "command", "where", "ifexists", "ifmissing")


@dataclass(frozen=True)
class GitSettings:
    comment: str | None  # core.commentChar as configured ("auto" unresolved)
    template: str | None  # commit.template
    separators: str
    configured: tuple[str, ...]


def run(args: argparse.Namespace) -> int:
    return _gate(args, args.message_file, _recover(args.message_file))


def _recover(path: str) -> str:
    return f"git commit -e -F {shlex.quote(path)}"


def on_error(args: argparse.Namespace) -> str:
    """What cli.py's error boundary adds when this hook fails: the message is safe."""
    return f"commit message untouched; to reuse it: {_recover(args.message_file)}"


def _say(line: str) -> None:
    # Reasons name paths and quote content: one line each, no terminal sequence.
    sys.stderr.write(f"authgate: {escape.terminal(line)}\n")
    sys.stderr.flush()


def _gate(args: argparse.Namespace, path: str, recover: str) -> int:
    source = args.source or os.environ.get("PRE_COMMIT_COMMIT_MSG_SOURCE") or None
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        _say(f"{path}: cannot read the commit message file ({exc.strerror or exc})")
        return Exit.USAGE
    root, git_dir = gitio.locations()
    cfg, notices = config.load_staged(root, args.config)
    for notice in notices:
        _say(notice)
    names = cfg.trailers
    text = trailers.decode(data)
    settings = git_settings(root)
    # git tells a hook that no editor will open by setting GIT_EDITOR=":".
    editor = os.environ.get("GIT_EDITOR") != ":"
    syntax = trailers.Syntax(comment=comment_char(settings.comment, text, editor),
                             separators=settings.separators,
                             configured=settings.configured)

    # The staged content is judged on every path, before anything else: git runs this
    # hook even with --no-verify, so a template or an "empty" message that git commits
    # anyway (--allow-empty-message, --cleanup=verbatim) must not be a way past it.
    template = source == "template"
    staged = changes.staged(cwd=root, max_file_size=cfg.max_file_size, baseline=cfg.baseline,
                            amend=amending(args, source))
    # The author and committer git will record, and the agent variables the env rules
    # read, judged with the content (the cache key holds them), as check judges them.
    staged = changes.with_identities(staged, cwd=root)
    staged = changes.with_environment(staged, agent_variables(cfg))
    verdict = evaluate_staged(staged, cfg, git_dir,
                              message=None if template
                              else trailers.visible(text, syntax.comment),
                              root=root, explicit=args.config)
    if verdict.blocked:
        for reason in verdict.reasons or ("blocked by policy",):
            _say(reason)
        sys.stderr.write("".join(f"{line}\n" for line in how_to_proceed(
            verdict, (TRAILERS_HOOK,))))
        _say(f"commit blocked; your message is kept, to reuse it: {recover}")
        return Exit.BLOCKED
    if template:
        # The template is not a message yet. Trailers written now would make git's
        # "you did not edit the template" check miss; commit-msg sees the real text.
        return Exit.OK
    if trailers.is_empty(text, names, syntax, _read_template(settings.template, root)):
        # git aborts an empty message; trailers alone must not turn it into a commit.
        bare = trailers.remove(text, names, syntax)
        if bare != text:
            trailers.write_message(path, trailers.encode(bare))
        return Exit.OK

    want = trailers.wanted(verdict, names, staged.tree)
    inherited = _head_trailers(staged, names, syntax, root)
    out = trailers.apply(text, want, names, syntax=syntax, tree=staged.tree,
                         inherited=inherited)
    if out != text:
        trailers.write_message(path, trailers.encode(out))
    got = {key.lower() for key, _ in trailers.parse(out, syntax=syntax)}
    lost = [key for key, _ in want if key.lower() not in got]
    if lost:
        # e.g. a message that is only a `---` divider and a patch: any trailer would
        # become its subject. Say so rather than pass quietly; CI will ask for them.
        _say(f"could not add {', '.join(lost)}: git would not read them as trailers "
             "in this message")
    return Exit.OK


def amending(args: argparse.Namespace, source: str | None) -> bool:
    """Whether this is `git commit --amend` (prepare-commit-msg's source `commit` with
    `HEAD`): the new commit replaces HEAD, so it is judged whole, from HEAD's parent,
    and an amend with nothing newly staged re-stamps a commit made without the hooks.
    (`git commit -C HEAD` looks the same to a hook; it is then judged with HEAD's
    change too: more, never less.)"""
    commit = args.commit or os.environ.get("PRE_COMMIT_COMMIT_OBJECT_NAME") or None
    return source == "commit" and commit == "HEAD"


def _head_trailers(staged: changes.ChangeSet, names: TrailerNames,
                   syntax: trailers.Syntax, root: str) -> list[tuple[str, str]]:
    """HEAD's authgate trailers, when the index equals HEAD's tree.

    An amend diffs the index against HEAD, so what HEAD itself changed is invisible:
    an amend that changes nothing (typically `--amend -m` to reword) would otherwise
    lose HEAD's Requires-Review. A merge with nothing to bring in is no amend."""
    if staged.files or not staged.revision:
        return []
    if gitio.resolve("MERGE_HEAD", cwd=root):
        return []
    body = gitio.run(["show", "-s", "--no-show-signature", "--format=%B", staged.revision],
                     cwd=root)
    return trailers.ours(trailers.decode(body), names, syntax)


def comment_char(setting: str | None, message: str, editor: bool) -> str:
    if not setting:
        return "#"
    if setting.lower() == "auto":
        return trailers.auto_comment_char(message, editor)
    return setting


def git_settings(root: str) -> GitSettings:
    """The git config that changes how a message is read, in one git call."""
    out = gitio.run(["config", "-z", "--get-regexp",
                     r"^(core\.commentchar|commit\.template|trailer\..+)$"],
                    cwd=root, check=False)
    comment = template = None
    separators = ":"
    configured: list[str] = []
    for record in out.split(b"\x00"):
        if not record:
            continue
        key, _, value = record.decode("utf-8", "surrogateescape").partition("\n")
        if key == "core.commentchar":
            comment = value
        elif key == "commit.template":
            template = value
        elif key == "trailer.separators":
            separators = value or ":"
        elif key.startswith("trailer.") and key.count(".") >= 2:
            name, _, variable = key[len("trailer."):].rpartition(".")
            if variable in _TRAILER_VARIABLES:
                configured.append(name)
                if variable == "key" and value:
                    configured.append(value)
    return GitSettings(comment, template, separators, tuple(configured))


def _read_template(path: str | None, root: str) -> str | None:
    if not path:
        return None
    full = os.path.join(root, os.path.expanduser(path))
    try:
        data = gitio.read_file(full, 1_000_000)  # never a FIFO or a device
    except gitio.FileTooLarge:
        return None
    return trailers.decode(data) if data is not None else None
