"""`authgate demo`, the README's first command: it must show a block, a block for
missing negative tests on an AI-assisted change, and a commit with trailers."""

from __future__ import annotations

from testing import Repo


def test_demo_blocks_then_annotates_through_real_commits(repo: Repo) -> None:
    proc = repo.authgate("demo")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    step1, rest = out.split("== 2.", 1)
    step2, step3 = rest.split("== 3.", 1)
    assert "(git commit exit 1)" in step1
    assert "identity.jwt.verification-disabled" in step1
    assert "(git commit exit 1)" in step2
    assert "blocked: (commit): identity.tests.negative-missing" in step2
    assert "git commit -e -F .git/COMMIT_EDITMSG" in step2
    assert "(git commit exit 0)" in step3
    for trailer in ("Identity-Impact: high", "Requires-Review: code-owner, iam, security",
                    "AI-Assisted: claude-code", "Authgate-Tree: "):
        assert f"   {trailer}" in step3
    # The scratch repository is removed unless --keep is given.
    assert "is kept at" not in out
