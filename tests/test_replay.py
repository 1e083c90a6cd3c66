"""bench/replay.py on a scratch history built here with real git: the counts it
reports, the labels it matches, the failures it survives, and that the secret it
blocks on never reaches its output, its JSON or its label stubs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import PROJECT, Repo

REPLAY = PROJECT / "bench" / "replay.py"
# Assembled at run time: no credential-shaped literal sits in this repository.
SECRET = "AKIA" + "R4WQ7ZK2NXTB5MLP"


def pieces(value: str, size: int = 10) -> list[str]:
    return [value[i:i + size] for i in range(len(value) - size + 1)]


def assert_never_shown(text: str) -> None:
    assert SECRET not in text
    leaked = [p for p in pieces(SECRET) if p in text]
    assert not leaked, f"pieces of the planted key were printed: {leaked}"


@pytest.fixture
def history(tmp_path: Path) -> dict[str, Any]:
    """repos/scratch: a base commit, then a clean commit on a side branch, a commit
    planting an AWS key on main, and the merge of the two."""
    repo = Repo(tmp_path / "repos" / "scratch")
    repo.write("README.md", "# scratch\n")
    repo.add()
    base = repo.commit("start")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("app/util.py", "def add(a, b):\n    return a + b\n")
    repo.add()
    clean = repo.commit("add a helper")
    repo.git("checkout", "-q", "main")
    repo.write("app/settings.py", f'DEBUG = False\nAWS_ACCESS_KEY_ID = "{SECRET}"\n')
    repo.add()
    leaky = repo.commit("configure storage")
    repo.git("merge", "-q", "--no-ff", "--no-verify", "-m", "merge side", "side")
    head = repo.out("rev-parse", "HEAD")
    corpus = tmp_path / "corpus.toml"
    corpus.write_text(
        '[[project]]\nname = "scratch"\nurl = "https://example.com/scratch"\n'
        f'language = "python"\nbase = "{base}"\nhead = "{head}"\n\n'
        '[[project]]\nname = "absent"\nurl = "https://example.com/absent"\n'
        f'language = "go"\nbase = "{base}"\nhead = "{head}"\n', encoding="utf-8")
    return {"repos": tmp_path / "repos", "corpus": corpus, "base": base, "clean": clean,
            "leaky": leaky, "head": head, "tmp": tmp_path}


def replay(h: dict[str, Any], *args: str, labels: Path | None = None
           ) -> subprocess.CompletedProcess[str]:
    labels = labels or h["tmp"] / "no-labels.toml"
    return subprocess.run([sys.executable, str(REPLAY), str(h["repos"]), "--corpus",
                           str(h["corpus"]), "--labels", str(labels), *args],
                          capture_output=True, text=True, cwd=h["tmp"])


def test_counts_blocks_tiers_and_labels_on_real_git_history(history: dict[str, Any]) -> None:
    out_json = history["tmp"] / "out.json"
    stubs = history["tmp"] / "stubs.toml"
    proc = replay(history, "--json", str(out_json), "--stubs", str(stubs))

    # The missing project is one line; the other is replayed and reported in full.
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    failed = [ln for ln in proc.stdout.splitlines() if ln.startswith("absent:")]
    assert len(failed) == 1 and "FAILED" in failed[0] and "not found" in failed[0]

    doc = json.loads(out_json.read_text(encoding="utf-8"))
    assert doc["meta"]["config"] == "defaults"
    scratch, absent = doc["projects"]
    assert "error" in absent
    # Two non-merge commits and one merge; whatever verify does with the merge is
    # counted, and the two ordinary commits are always judged.
    assert scratch["merges"] == 1
    assert scratch["commits"] - scratch["merges_judged"] == 2
    judged = {c["sha"] for c in scratch["commit_tiers"]}
    assert {history["clean"], history["leaky"]} <= judged
    assert sum(scratch["tiers"].values()) == scratch["commits"]
    assert all(c["tier"] in scratch["tiers"] for c in scratch["commit_tiers"])

    # Exactly the commit with the key is blocked, by a secret rule, at its line.
    assert scratch["blocked"] == 1
    (block,) = scratch["blocked_commits"]
    assert block["sha"] == history["leaky"]
    assert block["project"] == "scratch" and block["subject"] == "configure storage"
    assert block["rules"] and all(r.startswith("leak.secret.") for r in block["rules"])
    assert {f["location"] for f in block["findings"]} == {"app/settings.py:2"}
    assert block["status"] == "unlabelled"
    rule = block["rules"][0]
    assert scratch["per_rule"] == dict.fromkeys(block["rules"], 1)
    assert doc["total"]["blocked"] == 1 and doc["total"]["blocked_unlabelled"] == 1

    text = proc.stdout
    assert f"scratch ({history['base'][:12]}..{history['head'][:12]}): " \
           f"{scratch['commits']} commits judged" in text
    assert "1 blocked" in text
    assert f"  {rule}: 1 commit" in text
    assert f"{history['leaky'][:12]} [unlabelled] app/settings.py:2" in text
    assert "unlabelled blocks (" in text
    assert f"scratch {history['leaky']} {rule} app/settings.py:2" in text
    assert "| scratch | " in text  # the README table row

    # The stub names the block to label; with a verdict filled in, the next run
    # counts it, and no block is left unlabelled.
    stub = stubs.read_text(encoding="utf-8")
    assert f'sha = "{history["leaky"]}"' in stub and f'rule = "{rule}"' in stub
    for written in (proc.stdout, proc.stderr, out_json.read_text(encoding="utf-8"), stub):
        assert_never_shown(written)


def test_labels_match_by_project_sha_and_rule_and_report_lost_blocks(
        history: dict[str, Any]) -> None:
    first = json.loads(_run_json(history))
    rules = first["projects"][0]["blocked_commits"][0]["rules"]
    labels = history["tmp"] / "labels.toml"
    entries = [
        f'[[label]]\nproject = "scratch"\nsha = "{history["leaky"]}"\nrule = "{r}"\n'
        f'verdict = "true"\nclass = "real-key"\nreason = "an access key id in settings"\n'
        for r in rules]
    # A true block that the code no longer reports (here: a commit that never blocks)
    # must be called out, so a rule change that loses recall is seen.
    entries.append(f'[[label]]\nproject = "scratch"\nsha = "{history["clean"]}"\n'
                   'rule = "leak.secret.keyword"\nverdict = "true"\n'
                   'reason = "stands for a block a later rule change lost"\n')
    labels.write_text("\n".join(entries), encoding="utf-8")

    proc = replay(history, "--only", "scratch", labels=labels)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "blocks labelled: 1 true, 0 false, 0 unlabelled" in proc.stdout
    assert "unlabelled blocks" not in proc.stdout
    assert "labelled blocks that no longer block: 1 (0 false, now fixed; 1 true, " \
           "recall lost)" in proc.stdout
    assert f"TRUE BLOCK LOST: scratch {history['clean']} leak.secret.keyword" in proc.stdout
    assert "absent" not in proc.stdout  # --only leaves the other project out
    assert_never_shown(proc.stdout + proc.stderr)


def _run_json(history: dict[str, Any]) -> str:
    out: Path = history["tmp"] / "first.json"
    proc = replay(history, "--only", "scratch", "--json", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize("labels, expected", [
    ('[[label]]\nproject = "scratch"\nsha = "abc"\nrule = "x"\nverdict = "true"\n'
     'reason = "r"\n', "sha must be a full 40-hex commit id"),
    (f'[[label]]\nproject = "scratch"\nsha = "{"a" * 40}"\nrule = "x"\nverdict = "maybe"\n'
     'reason = "r"\n', 'verdict must be "true" or "false"'),
    ("[[label]\n", "invalid TOML"),
])
def test_bad_labels_are_one_line_and_exit_2(history: dict[str, Any], labels: str,
                                            expected: str) -> None:
    path = history["tmp"] / "bad-labels.toml"
    path.write_text(labels, encoding="utf-8")
    proc = replay(history, labels=path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and expected in proc.stderr


def test_unknown_project_and_bad_corpus_are_user_errors(history: dict[str, Any]) -> None:
    proc = replay(history, "--only", "nope")
    assert proc.returncode == 2 and "--only nope: not in the corpus" in proc.stderr
    history["corpus"].write_text('[[project]]\nname = "x"\n', encoding="utf-8")
    proc = replay(history)
    assert proc.returncode == 2
    assert "'base' must be a non-empty string" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = replay(history, "--hooks", str(history["tmp"]))
    assert proc.returncode == 2 and "no authgate package there" in proc.stderr


def _gitleaks() -> str | None:
    beside = Path(sys.executable).with_name("gitleaks")
    return str(beside) if beside.exists() else shutil.which("gitleaks")


@pytest.mark.skipif(_gitleaks() is None, reason="no gitleaks binary (comparison only)")
def test_gitleaks_comparison_counts_flagged_commits_and_stays_redacted(
        history: dict[str, Any]) -> None:
    out_json = history["tmp"] / "gl.json"
    proc = replay(history, "--only", "scratch", "--gitleaks", str(_gitleaks()),
                  "--json", str(out_json))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    gl = json.loads(out_json.read_text(encoding="utf-8"))["projects"][0]["gitleaks"]
    assert gl["commits"] == 1 and gl["flagged"][0]["sha"] == history["leaky"]
    assert "gitleaks: 1 commits flagged, 1 of them blocked by authgate" in proc.stdout
    assert_never_shown(proc.stdout + proc.stderr + out_json.read_text(encoding="utf-8"))
    # The report gitleaks wrote (redacted) lived in a temporary folder and is gone.
    assert not [p for p in os.listdir(history["tmp"]) if p.startswith("replay-gitleaks")]
