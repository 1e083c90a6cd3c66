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

from testing import PROJECT, Repo

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


# --- routing: precision and recall of "tier >= high" against hand labels --------------

HIGH = ("high", "critical")


@pytest.fixture
def routing_history(tmp_path: Path) -> dict[str, Any]:
    """repos/scratch: an auth change, a docs change, a change to a generic helper and a
    session change, each a commit the routing labels below judge."""
    repo = Repo(tmp_path / "repos" / "scratch")
    repo.write("README.md", "# scratch\n")
    repo.add()
    base = repo.commit("start")
    repo.write("app/auth/login.py",
               "import bcrypt\n\n\ndef check(user, password):\n"
               "    return bcrypt.checkpw(password.encode(), user.password_hash)\n")
    repo.add()
    login = repo.commit("check passwords with bcrypt")
    repo.write("docs/guide.md", "# Guide\n\nHow to run the app.\n")
    repo.add()
    docs = repo.commit("write a guide")
    repo.write("app/util.py", "def limit(a, b):\n    return a - b\n")
    repo.add()
    helper = repo.commit("adjust a helper")
    repo.write("app/auth/session.py", "SESSION_TTL = 3600\n\n\ndef ttl():\n"
               "    return SESSION_TTL\n")
    repo.add()
    session = repo.commit("name the session lifetime")
    head = repo.out("rev-parse", "HEAD")
    corpus = tmp_path / "corpus.toml"
    corpus.write_text(f'[[project]]\nname = "scratch"\nbase = "{base}"\nhead = "{head}"\n',
                      encoding="utf-8")
    return {"repos": tmp_path / "repos", "corpus": corpus, "tmp": tmp_path, "login": login,
            "docs": docs, "helper": helper, "session": session}


def routing_labels(h: dict[str, Any], extra: str = "") -> Path:
    """The auth change needs a reviewer and is drawn from high+; the docs change does
    not; the helper change stands for a decision no rule can see (labelled true); the
    session change stands for a commit the labeller judged routine (labelled false)."""
    path: Path = h["tmp"] / "routing.toml"
    rows = [("login", "high+", "true", "password", "bcrypt password check"),
            ("docs", "rest", "false", "none", "docs only"),
            ("helper", "rest", "true", "authz", "stands for a check no rule sees"),
            ("session", "targeted", "false", "session", "stands for a routine change")]
    text = ('[[stratum]]\nproject = "scratch"\nsample = "high+"\npopulation = 2\ndrawn = 1\n\n'
            '[[stratum]]\nproject = "scratch"\nsample = "rest"\npopulation = 3\ndrawn = 2\n\n')
    text += "\n".join(
        f'[[commit]]\nproject = "scratch"\nsha = "{h[key]}"\nsample = "{sample}"\n'
        f'review = {review}\nclass = "{cls}"\nreason = "{reason}"\n'
        for key, sample, review, cls, reason in rows)
    path.write_text(text + extra, encoding="utf-8")
    return path


def routing_replay(h: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPLAY), str(h["repos"]), "--corpus",
                           str(h["corpus"]), "--labels", str(h["tmp"] / "no-labels.toml"),
                           *args], capture_output=True, text=True, cwd=h["tmp"])


def test_routing_report_scores_tiers_against_the_labels(
        routing_history: dict[str, Any]) -> None:
    h = routing_history
    out_json = h["tmp"] / "routing.json"
    proc = routing_replay(h, "--routing", str(routing_labels(h)), "--json", str(out_json))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(out_json.read_text(encoding="utf-8"))
    tiers = {c["sha"]: c for c in doc["projects"][0]["commit_tiers"]}
    # What the code under test says about each commit: the auth paths are rated high,
    # the guide and the generic helper are not.
    assert tiers[h["login"]]["tier"] in HIGH and tiers[h["session"]]["tier"] in HIGH
    assert tiers[h["docs"]]["tier"] not in HIGH and tiers[h["helper"]]["tier"] not in HIGH

    # One reviewable commit rated high (login), one missed (helper), one false alarm
    # (session), one rightly left alone (docs): precision 1/2, recall 1/2.
    text = proc.stdout
    assert ("4 labelled commits (2 review, 2 no review; 1 targeted), high-or-critical: "
            "precision 0.50 (1/2), recall 0.50 (1/2)") in text
    # Weighted back to the corpus, without the targeted commit: login counts for 2
    # commits (population 2, drawn 1), docs and helper for 1.5 each: precision 2/2,
    # recall 2/3.5.
    assert "weighted to the corpus (random draws, population/drawn each): precision " \
           "1.00, recall 0.57" in text
    assert "| password | 1 | 1 | 1 | 1 | 1.00 | 1.00 |" in text
    assert "| authz | 1 | 1 | 0 | 0 | - | 0.00 |" in text
    assert "| session | 1 | 0 | 1 | 0 | 0.00 | - |" in text
    assert "| **all** | 4 | 2 | 2 | 1 | 0.50 | 0.50 |" in text
    # The same, by how each commit came into the set.
    assert "| high+ | 1 | 1 | 1 | 1 | 1.00 | 1.00 |" in text
    assert "| rest | 2 | 1 | 0 | 0 | - | 0.00 |" in text
    assert "| targeted | 1 | 0 | 1 | 0 | 0.00 | - |" in text
    assert "misses (labelled review, rated below high): 1" in text
    miss_tier = tiers[h["helper"]]["tier"]
    assert f"scratch {h['helper'][:12]} [{miss_tier}] authz: stands for a check no rule " \
           "sees" in text
    assert "false alarms (labelled no review, rated high+): 1" in text
    alarm = tiers[h["session"]]
    assert f"scratch {h['session'][:12]} [{alarm['tier']}] session: stands for a routine " \
           "change" in text
    # The false alarm shows why it was rated high, as the tier reasons say it.
    assert f"    tier reasons: {alarm['reasons'][0]}" in text

    rep = doc["routing"]
    assert rep["labelled"] == 4 and rep["review"] == 2 and rep["targeted"] == 1
    assert rep["overall"]["precision"] == 0.5 and rep["overall"]["recall"] == 0.5
    assert [m["sha"] for m in rep["misses"]] == [h["helper"]]
    assert [m["sha"] for m in rep["false_alarms"]] == [h["session"]]
    assert rep["false_alarms"][0]["tier_reasons"] == alarm["reasons"]
    assert rep["classes"]["password"]["recall"] == 1.0
    assert rep["not_judged"] == []


def test_routing_labels_outside_the_replayed_ranges_are_named(
        routing_history: dict[str, Any]) -> None:
    h = routing_history
    stray = "e" * 40
    extra = (f'\n[[commit]]\nproject = "scratch"\nsha = "{stray}"\nsample = "targeted"\n'
             'review = true\nclass = "token"\nreason = "not in the range"\n'
             f'\n[[commit]]\nproject = "elsewhere"\nsha = "{"f" * 40}"\nsample = '
             '"targeted"\nreview = true\nclass = "token"\nreason = "another project"\n')
    proc = routing_replay(h, "--routing", str(routing_labels(h, extra)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The project not replayed is left out; the sha not in the range is named, and the
    # scores stay those of the four commits judged.
    assert "4 labelled commits (2 review" in proc.stdout
    assert "labelled but not judged in the replayed ranges: 1 (wrong sha or project?)" \
           in proc.stdout
    assert f"  scratch {stray}" in proc.stdout
    assert "elsewhere" not in proc.stdout


def test_routing_sample_is_reproducible_and_must_be_labelled_before_use(
        routing_history: dict[str, Any]) -> None:
    h = routing_history
    first, second = h["tmp"] / "draw1.toml", h["tmp"] / "draw2.toml"
    out_json = h["tmp"] / "draw.json"
    for target in (first, second):
        proc = routing_replay(h, "--routing-sample", str(target), "--json", str(out_json))
        assert proc.returncode == 0, proc.stdout + proc.stderr
    drawn = first.read_text(encoding="utf-8")
    assert drawn == second.read_text(encoding="utf-8")

    # Pools smaller than a stratum's share are drawn whole, and each stratum records
    # the size of its pool as the run rated it.
    commits = json.loads(out_json.read_text(encoding="utf-8"))["projects"][0]["commit_tiers"]
    high = sorted(c["sha"] for c in commits if c["tier"] in HIGH)
    rest = sorted(c["sha"] for c in commits if c["tier"] not in HIGH)
    assert high and rest
    assert (f'sample = "high+"\npopulation = {len(high)}\ndrawn = {len(high)}' in drawn
            and f'sample = "rest"\npopulation = {len(rest)}\ndrawn = {len(rest)}' in drawn)
    for sha in high:
        assert f'sha = "{sha}"\nsample = "high+"' in drawn
    for sha in rest:
        assert f'sha = "{sha}"\nsample = "rest"' in drawn

    # Unlabelled, the draw is refused as routing labels: one line, exit 2.
    proc = routing_replay(h, "--routing", str(first))
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "commit 1: review must be true or false" in proc.stderr


@pytest.mark.parametrize("entry, expected", [
    ('sample = "rest"\nreview = true\nclass = "identity"\n',
     "class must be one of token, password"),
    ('sample = "high+"\nreview = "yes"\nclass = "token"\n', "review must be true or false"),
    ('sample = "random"\nreview = true\nclass = "token"\n',
     "sample must be one of high+, rest, targeted"),
    ('sample = "rest"\nreview = true\nclass = "token"\n',
     "no [[stratum]] for scratch rest"),
])
def test_bad_routing_labels_are_one_line_and_exit_2(routing_history: dict[str, Any],
                                                    entry: str, expected: str) -> None:
    path = routing_history["tmp"] / "bad-routing.toml"
    strata = ('[[stratum]]\nproject = "scratch"\nsample = "high+"\npopulation = 2\n'
              'drawn = 1\n\n') if "no [[stratum]]" in expected else (
        '[[stratum]]\nproject = "scratch"\nsample = "rest"\npopulation = 2\ndrawn = 1\n\n'
        '[[stratum]]\nproject = "scratch"\nsample = "high+"\npopulation = 2\ndrawn = 1\n\n')
    path.write_text(f'{strata}[[commit]]\nproject = "scratch"\nsha = "{"a" * 40}"\n{entry}'
                    'reason = "r"\n', encoding="utf-8")
    proc = routing_replay(routing_history, "--routing", str(path))
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and expected in proc.stderr
    assert "Traceback" not in proc.stderr
