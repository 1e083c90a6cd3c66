"""`authgate demo`: a scratch repository, real `git commit`s through the hooks, and
what authgate did to each, narrated.

The hooks are installed as plain git hooks that run this interpreter's authgate, so
the demo needs no network and no pre-commit environment build; the README shows the
pre-commit configuration for real use.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import textwrap

from authgate.commands import install
from authgate.config import Config
from authgate.exits import Exit
from authgate.rules import agent_variables

LOGIN_V1 = '''\
"""Login for the example app."""

import jwt

from app.users import find_user

SECRET = load_signing_key()


def login(username: str, password: str) -> str:
    user = find_user(username)
    if user is None or not user.check_password(password):
        raise PermissionError("invalid credentials")
    return jwt.encode({"sub": user.id}, SECRET, algorithm="HS256")
'''

# What an assistant might write when asked to "make token checks work in dev".
LOGIN_AI_RISKY = LOGIN_V1 + '''

def current_user(token: str) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    return claims["sub"]
'''

LOGIN_AI_FIXED = LOGIN_V1 + '''

def current_user(token: str) -> str:
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="example-app")
    return claims["sub"]
'''

TEST_LOGIN = '''\
import jwt
import pytest

from app.auth.login import current_user


def test_expired_token_is_rejected(expired_token):
    with pytest.raises(jwt.ExpiredSignatureError):
        current_user(expired_token)


def test_bad_signature_is_rejected(forged_token):
    with pytest.raises(jwt.InvalidSignatureError):
        current_user(forged_token)


def test_wrong_audience_is_rejected(other_audience_token):
    with pytest.raises(jwt.InvalidAudienceError):
        current_user(other_audience_token)
'''

AI_MESSAGE = """Add current_user() for token checks

Co-Authored-By: Claude <noreply@anthropic.com>
"""

# The hooks of a commit, written by `authgate install`'s code (no pre-push: nothing is
# pushed here).
DEMO_HOOKS = ("pre-commit", "prepare-commit-msg", "commit-msg")


def _env(home: str) -> dict[str, str]:
    # The demo must not inherit the caller's git identity, hooks path or agent
    # variables: what it shows should be the same on every machine.
    agent = set(agent_variables(Config()))  # what the demo's hooks would capture
    env = {k: v for k, v in os.environ.items()
           if k not in agent and not k.startswith(("GIT_", "PRE_COMMIT", "SKIP"))}
    env.update({"HOME": home, "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_CONFIG_GLOBAL": os.path.join(home, ".gitconfig"), "NO_COLOR": "1"})
    return env


class _Scratch:
    def __init__(self, root: str) -> None:
        self.root = root
        self.repo = os.path.join(root, "example-app")
        home = os.path.join(root, "home")
        os.makedirs(home)
        with open(os.path.join(home, ".gitconfig"), "w", encoding="utf-8") as fh:
            fh.write("[user]\n\tname = Dana Developer\n\temail = dana@example.com\n"
                     "[init]\n\tdefaultBranch = main\n")
        self.env = _env(home)
        os.makedirs(self.repo)
        self.git("init", "-q")

    def git(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=self.repo, env=self.env,
                              capture_output=True, text=True)

    def write(self, rel: str, content: str) -> None:
        path = os.path.join(self.repo, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(content)

    def install_hooks(self) -> None:
        hooks = os.path.join(self.repo, ".git", "hooks")
        install.write_hooks(hooks, DEMO_HOOKS)
        # Pinned, so a core.hooksPath in the caller's environment cannot redirect them.
        self.git("config", "core.hooksPath", hooks)


def _show(title: str, proc: subprocess.CompletedProcess[str] | None = None,
          text: str = "") -> None:
    print(f"\n== {title}")
    body = text or ((proc.stdout if proc else "") + (proc.stderr if proc else ""))
    for line in body.rstrip().splitlines():
        print(f"   {line}")


def run(args: argparse.Namespace) -> int:
    root = tempfile.mkdtemp(prefix="authgate-demo-")
    try:
        s = _Scratch(root)
        s.write("app/__init__.py", "")
        s.write("app/auth/__init__.py", "")
        s.write("app/auth/login.py", LOGIN_V1)
        s.git("add", "-A")
        s.git("commit", "-q", "-m", "Initial login module")
        s.install_hooks()
        print(f"authgate demo: scratch repository {s.repo} with authgate installed as its "
              "pre-commit, prepare-commit-msg and commit-msg hooks.")

        s.write("app/auth/login.py", LOGIN_AI_RISKY)
        s.git("add", "-A")
        proc = s.git("commit", "-m", AI_MESSAGE)
        _show("1. An assistant adds token checks that skip signature verification "
              f"(git commit exit {proc.returncode}):", proc)

        s.write("app/auth/login.py", LOGIN_AI_FIXED)
        s.git("add", "-A")
        proc = s.git("commit", "-m", AI_MESSAGE)
        _show("2. Fixed: signature, algorithm and audience checked, but no negative "
              f"tests yet (git commit exit {proc.returncode}):", proc)

        s.write("tests/test_login.py", TEST_LOGIN)
        s.git("add", "-A")
        proc = s.git("commit", "-q", "-m", AI_MESSAGE)
        log = s.git("log", "-1", "--format=%B")
        _show(f"3. With expired, forged and wrong-audience tests (git commit exit "
              f"{proc.returncode}); the commit message now reads:", text=log.stdout)
        if proc.returncode != 0:
            _show("   hook output:", proc)

        trailers = s.git("log", "-1", "--format=%(trailers:only,unfold)")
        print(textwrap.dedent("""
            CI verifies these trailers against the content: `authgate verify --range
            origin/main..HEAD` fails any commit whose trailers are missing (hooks
            skipped), weaker than its content demands, or bound to another tree."""))
        ok = proc.returncode == 0 and bool(trailers.stdout.strip())
        if args.keep:
            print(f"The scratch repository is kept at {s.repo}")
        return Exit.blocked_if(not ok)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
