"""The content findings shared between the hooks of one commit: reused when nothing
they depend on changed, never when something did, and never holding a secret."""

from __future__ import annotations

import subprocess
import sys

from authgate import hookcache

from testing import Repo

SECRET = "AKIA" + "Q7NR2KX5TLWM8ZPC"
RISKY = ('import jwt\n\ndef user(t):\n'
         '    return jwt.decode(t, options={"verify_signature": False})\n')
AI_MESSAGE = "Add user()\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n"

PROBE = """
import sys, runpy
sys.argv = ['authgate'] + sys.argv[1:]
try:
    runpy.run_module('authgate', run_name='__main__')
except SystemExit as exc:
    print('exit', exc.code)
print('detect_secrets', 'detect_secrets.core.scan' in sys.modules)
"""


def probe(repo: Repo, *args: str) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=repo.path,
                          capture_output=True, text=True)
    return proc.stdout.splitlines() + proc.stderr.splitlines()


def base(repo: Repo) -> None:
    repo.write("README.md", "app\n")
    repo.add()
    repo.commit()


def test_msg_reuses_what_check_found_and_judges_the_message_fresh(repo: Repo) -> None:
    base(repo)
    repo.write("app/settings.py", f'AWS_KEY = "{SECRET}"\n')
    repo.add()
    first = probe(repo, "check")
    assert "exit 1" in first and "detect_secrets True" in first
    cache = (repo.path / ".git" / hookcache.FILE).read_text()
    assert SECRET not in cache and SECRET[4:12] not in cache
    msgfile = repo.write(".git/COMMIT_EDITMSG", AI_MESSAGE)
    second = probe(repo, "msg", str(msgfile))
    # The same block, without importing detect-secrets again: the content came from
    # the cache.
    assert "exit 1" in second and "detect_secrets False" in second
    assert any("leak.secret.aws-key" in line for line in second)
    assert msgfile.read_text() == AI_MESSAGE


def test_changed_content_or_config_is_judged_again(repo: Repo) -> None:
    base(repo)
    repo.write("app/login.py", RISKY)
    repo.add()
    assert repo.authgate("check").returncode == 1
    repo.write("app/login.py", "def user(t):\n    return t\n")
    repo.add()
    assert repo.authgate("check").returncode == 0
    repo.write("app/login.py", RISKY)
    repo.add()
    assert repo.authgate("check").returncode == 1
    # A config that turns the rule off changes the key: not the cached block. (Staged:
    # the hooks follow the config being committed, not the work tree's.)
    repo.write(".authgate.toml", '[policy]\n"identity" = "off"\n')
    assert repo.authgate("check").returncode == 1
    repo.add(".authgate.toml")
    assert repo.authgate("check").returncode == 0


def test_message_findings_are_not_cached_into_the_content(repo: Repo) -> None:
    base(repo)
    repo.write("app/greet.py", "def greet(name):\n    return 'hello ' + name\n")
    repo.add()
    msgfile = repo.write(".git/COMMIT_EDITMSG", AI_MESSAGE)
    annotated = repo.authgate("msg", str(msgfile))
    assert "AI-Assisted: claude-code" in msgfile.read_text(), annotated.stdout
    human = repo.write(".git/COMMIT_EDITMSG", "Add login\n")
    repo.authgate("msg", str(human))
    assert "AI-Assisted" not in human.read_text()


def test_a_damaged_cache_is_ignored(repo: Repo) -> None:
    base(repo)
    repo.write("app/login.py", RISKY)
    repo.add()
    assert repo.authgate("check").returncode == 1
    (repo.path / ".git" / hookcache.FILE).write_text("{not json")
    proc = repo.authgate("check")
    assert proc.returncode == 1
    assert "identity.jwt.verification-disabled" in proc.stdout


def test_a_config_change_alone_is_not_answered_from_the_cache(repo: Repo) -> None:
    # The same tree, the same index file, the same process chain: only the config
    # differs (a `--config` file outside the repository, read from the file system).
    # A block stored under the old config must not answer for the new one, which
    # excludes the file.
    base(repo)
    repo.write("app/settings.py", f'AWS_KEY = "{SECRET}"\n')
    repo.add()
    cfg = repo.path.parent / "authgate.toml"
    cfg.write_text('exclude = ["docs/"]\n', encoding="utf-8")
    first = repo.authgate("check", "--config", str(cfg))
    assert first.returncode == 1 and "leak.secret.aws-key" in first.stdout, first.stdout
    assert (repo.path / ".git" / hookcache.FILE).exists()
    cfg.write_text('exclude = ["docs/", "app/"]\n', encoding="utf-8")
    second = repo.authgate("check", "--config", str(cfg))
    assert second.returncode == 0, second.stdout + second.stderr
    assert "leak.secret.aws-key" not in second.stdout
    assert "authgate: ok" in second.stdout, second.stdout
