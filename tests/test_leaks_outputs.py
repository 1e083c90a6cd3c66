"""What a user sees: the corpus staged in a real repository, checked by `authgate check`
in every output format (and by the commit gate), never prints a planted secret."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from authgate.report import FORMATS

from testing import Repo
from testing.leaks import CORPUS, PLANTED, SECRET_VALUES, materialize

# The public part of a planted value (a provider prefix, a URL's host and path) may
# show; none of the random part may, not even ten characters of it.
_PUBLIC = ("https://hooks.slack.com/services/", "https://discord.com/api/webhooks/",
           "https://acme.webhook.office.com/webhookb2/", "sk_live_", "AKIA", "ghp_", "glpat-",
           "npm_", "pypi-AgEIcHlwaS5vcmc", "eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.")


def _cores() -> list[str]:
    cores = []
    for key, value in PLANTED.items():
        if key in ("HEX_ALLOWED", "HEX_NEXTLINE"):
            continue
        if key == "PRESIGNED":
            cores += [value.rsplit("X-Amz-Signature=", 1)[1],
                      value.split("X-Amz-Credential=", 1)[1].split("%2F", 1)[0]]
            continue
        prefix = next((p for p in _PUBLIC if value.startswith(p)), "")
        cores.append(value[len(prefix):])
    return cores


def assert_no_secret(text: str, where: str) -> None:
    for value in SECRET_VALUES:
        assert value not in text, f"{where}: a planted secret is printed in full"
    for core in _cores():
        for i in range(len(core) - 9):
            assert core[i:i + 10] not in text, f"{where}: part of a planted secret: {core[:2]}…"


def _stage_corpus(repo: Repo) -> None:
    repo.write(".authgate.toml", (CORPUS / "config.toml").read_text(encoding="utf-8"))
    repo.add(".authgate.toml")
    repo.commit("config")
    materialize(repo.path)
    repo.add()


def test_every_output_format_is_blocked_and_free_of_planted_secrets(repo: Repo) -> None:
    _stage_corpus(repo)
    for fmt in FORMATS:
        proc = repo.main("check", "--format", fmt)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 1, (fmt, out[-2000:])
        assert_no_secret(out, fmt)
        # The findings are there, named, with their places.
        for rule in ("leak.secret.stripe", "leak.endpoint.webhook", "leak.file.keystore",
                     "leak.endpoint.connection-string"):
            assert rule in out, (fmt, rule)
    text = repo.main("check").stdout
    assert "src/billing/client.py:9: leak.secret.stripe:" in text
    assert "keys/client.p12: leak.file.keystore:" in text
    doc = json.loads(repo.main("check", "--format", "json").stdout)
    findings = [f for s in doc["subjects"] for f in s["findings"]]
    leaks = [f for f in findings if f["family"] == "leak"]
    assert len(leaks) >= 50
    assert all(f["value_hash"] and len(f["value_hash"]) == 64 for f in leaks)
    assert {f["context"] for f in leaks} >= {"code", "comment", "test", "fixture", "docs",
                                             "config"}
    # --output FILE writes the same report, just as clean.
    out_file = repo.path / "report.sarif"
    repo.main("check", "--format", "sarif", "--output", str(out_file))
    assert_no_secret(out_file.read_text(encoding="utf-8"), "sarif file")


def test_commit_gate_output_is_free_of_planted_secrets(repo: Repo) -> None:
    _stage_corpus(repo)
    message = repo.path / ".git" / "COMMIT_EDITMSG"
    message.write_text("Add billing client\n", encoding="utf-8")
    proc = repo.main("msg", str(message))
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "leak.secret" in proc.stdout + proc.stderr
    assert_no_secret(proc.stdout + proc.stderr, "msg")
    assert_no_secret(message.read_text(encoding="utf-8"), "commit message")


def test_suppressions_are_counted_where_ci_reads_them(repo: Repo) -> None:
    repo.write("app/hosts.py", "# authgate: allow leak.endpoint -- lab network, issue 12\n"
                               'LAB = "10.0.0.5"\nPROD = "10.0.0.6"\n')
    repo.add()
    proc = repo.main("check", "--only", "leaks")
    assert proc.returncode == 0, proc.stdout
    assert "app/hosts.py:3: leak.endpoint.private-ipv4: private IPv4 address 10.0.0.6" \
        in proc.stdout
    assert "(suppressed: inline: lab network, issue 12)" in proc.stdout
    assert "1 finding, 0 blocking, 1 suppressed" in proc.stdout


def test_secret_blocks_a_real_commit_through_pre_commit(hooked_repo: Repo) -> None:
    line = 'STRIPE = "sk_' + 'live_' + 'ptgUzEjfebzJ6sZWdoHIxrXl"\n'
    hooked_repo.write("billing.py", line)
    hooked_repo.add("billing.py")
    proc = subprocess.run(["git", "commit", "-m", "billing"], cwd=hooked_repo.path,
                          capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "billing.py:1: leak.secret.stripe" in out
    assert "ptgUzEjfebzJ6sZWdoHIxrXl" not in out
    assert hooked_repo.out("rev-list", "--count", "HEAD") == "1"  # nothing committed
    Path(hooked_repo.path / "billing.py").write_text('STRIPE = os.environ["STRIPE_KEY"]\n')
    hooked_repo.add("billing.py")
    proc = subprocess.run(["git", "commit", "-m", "billing"], cwd=hooked_repo.path,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
