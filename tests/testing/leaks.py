"""The labelled leak corpus (tests/corpus/leaks/), materialised, and leak checks run on
changes built in memory.

tests/corpus/leaks/tree/ is a small repository (each file stored with a `.corpus`
suffix, so pytest, git and other tools never take it for the real thing). Lines carry
their label at the end: `[[expect: <rule> <action>, ...]]` for what must be reported,
`[[expect: none]]` for a deliberate true negative; a line without a label must not be
reported either. File-level findings are listed in corpus/leaks/expect.toml. Secret
values are planted at materialisation (`@@NAME@@`), assembled here from pieces, so no
complete credential-shaped string sits in this repository.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from authgate import config as config_mod
from authgate import rules as rules_mod
from authgate.changes import ChangeSet, FileChange, Hunk, Line, Status
from authgate.checks import run_all
from authgate.findings import Finding

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "leaks"
TREE = CORPUS / "tree"
SUFFIX = ".corpus"
MARK = re.compile(r"\s*\[\[expect:\s*([^\]]*)\]\]\s*$")

_HEX = "0cc175b9c0f1b6a8" + "31c399e269772661"
PLANTED = {
    "STRIPE": "sk_" + "live_" + "ptgUzEjfebzJ6sZWdoHIxrXl",
    "AWS_KEY": "AKIA" + "GQNBQRMKTSXFVY6P",
    "GITHUB": "ghp_" + "lpErf87038J1ta6sKT4t2WGmABMsBCkotq0Z",
    "GITLAB": "glpat-" + "cfcDOrHIPESvjRmeA6mO",
    "SLACK_HOOK": "https://hooks.slack.com/services/" + "T2RLW1U9M/BUGDORPHVLS/"
                  + "DbcwSf599sVR9ubusu9jXPA3",
    "DISCORD_HOOK": "https://discord.com/api/webhooks/" + "914937424692590507/"
                    + "vUULm4A2Aohhhvtf-FPepL0z9zE40-eC14F2B_yeeGGFAD1HsPgOoZf_Xl3AvRL8O1BI",
    "TEAMS_HOOK": "https://acme.webhook.office.com/webhookb2/"
                  + "3f2a9c1e-7b4d-4e8a-9f61-2c5d8e7a1b90@5e8d2c71-9a3f-4b6e-8d12-7f4a9c3e6b21"
                  + "/IncomingWebhook/9c4e7a2b5d8f41e6a3b0c7d2e9f18a64/"
                  + "b71e3c9a-2f5d-4a8e-9c61-4d7e2a9f3b58",
    "JWT": "eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9."
           + "eyJzdWIiOiAic3ZjLWJpbGxpbmciLCAiaWF0IjogMTc2NzIyNTYwMCwg"
           + "InNjb3BlIjogInBheW1lbnRzOndyaXRlIn0."
           + "RY_jJyfYqIhv78ZXBaBubGoYWCgzuQ84dkeo-GrfUkb",
    "PRESIGNED": "https://acme-exports.s3.amazonaws.com/2026/orders.csv?X-Amz-Algorithm="
                 + "AWS4-HMAC-SHA256&X-Amz-Credential=ASIA" + "Q7NR2KX5TLWM8ZPC"
                 + "%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Expires=3600"
                 + "&X-Amz-Signature=" + "043a718774c572bd8a25adbeb1bfcd5c"
                 + "0256ae11cecf9f9c3f925d0e52beaf89",
    "DB_PASSWORD": "t1w0ef9IDyn" + "YtyoW",
    "ADO_PASSWORD": "F29zgeh6NZ" + "4xGB",
    "JAVA_PASSWORD": "A2TXCeO48m" + "Ot71",
    "ENV_PASSWORD": "EBhZJkx3klT" + "juF3vqI",
    "TEST_SECRET": "5aTkaPthIhFY" + "TMEHeHpA",
    "FIXTURE_KEY": "2swoXl3OaRdN" + "6uI66DY6Kt",
    "NETRC_PASSWORD": "Wq8LmZ3r" + "Tx6Kp2Nv",
    "HEX_YAML": "92eb5ffee6ae2fec" + "3ad71c777531578f",
    "HEX_ALLOWED": "4a8a08f09d37b737" + "95649038408b5f33",
    "HEX_NEXTLINE": _HEX,
    "NPM_TOKEN": "npm_" + "73GYCNNCzjqXMxQviBfMjRZNls58xmKYwRN4",
    "PYPI_TOKEN": "pypi-" + "AgEIcHlwaS5vcmc" + "ljZwQVPwMcclTmux_jow9CMZE-CNVDP5ZZOK40b"
                  + "Gx6UZXdti6SNlH9C9itEiMqguYHcFumAe",
    "PEM_1": "OkpIhKwt1qkUat0tBM9iWvuGYMZQ" + "vXh2dJcMtkuobDDb9x5WRwyn8TN0eBGN9RkE",
    "PEM_2": "OneP8Tkwf/FezjRrNoajCJceb9sB" + "UFSMXZew0/iMKA3PwBc93JQ00PAGJldZHKqO",
    "PEM_3": "lvlBGB/oRb6AvlFmoOLtjwdxAHeP" + "QUuvBgguhH/nzrY9/PU3ZeextTCLEUySXUoC",
    "PEM_4": "b3BlbnNzaC1rZXktdjEAAAAABG5v" + "bmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gt",
}
# Planted values that are not secrets in themselves (they are what the hook must not
# print in full): everything above except the allowlisted ones.
SECRET_VALUES = tuple(v for k, v in PLANTED.items() if k not in ("HEX_ALLOWED", "HEX_NEXTLINE"))
_PLANT = re.compile(r"@@([A-Z0-9_]+)@@")


@dataclass(frozen=True, order=True)
class Label:
    path: str
    line: int | None
    rule: str
    action: str


def corpus_files() -> dict[str, bytes]:
    """Repository path -> content, labels stripped and secrets planted."""
    out: dict[str, bytes] = {}
    for src in sorted(TREE.rglob("*" + SUFFIX)):
        rel = src.relative_to(TREE).as_posix()[: -len(SUFFIX)]
        data = src.read_bytes()
        if b"\x00" in data:
            out[rel] = data
            continue
        lines = [MARK.sub("", ln) for ln in data.decode("utf-8").split("\n")]
        text = _PLANT.sub(lambda m: PLANTED[m[1]], "\n".join(lines))
        out[rel] = text.encode("utf-8")
    return out


def labels() -> tuple[set[Label], int]:
    """Expected findings, and how many lines are labelled as true negatives."""
    expected: set[Label] = set()
    negatives = 0
    for src in sorted(TREE.rglob("*" + SUFFIX)):
        rel = src.relative_to(TREE).as_posix()[: -len(SUFFIX)]
        data = src.read_bytes()
        if b"\x00" in data:
            continue
        for number, text in enumerate(data.decode("utf-8").split("\n"), 1):
            m = MARK.search(text)
            if m is None:
                continue
            if m[1].strip() == "none":
                negatives += 1
                continue
            for item in m[1].split(","):
                rule, action = item.split()
                expected.add(Label(rel, number, rule, action))
    doc = tomllib.loads((CORPUS / "expect.toml").read_text(encoding="utf-8"))
    for path, items in doc["files"].items():
        for item in items:
            rule, action = item.split()
            expected.add(Label(path, None, rule, action))
    return expected, negatives


def corpus_config() -> config_mod.Config:
    doc = tomllib.loads((CORPUS / "config.toml").read_text(encoding="utf-8"))
    return config_mod.parse(doc, "corpus/leaks/config.toml")


def added_file(path: str, data: bytes) -> FileChange:
    """A file the change adds, as changes.py would describe it."""
    if b"\x00" in data:
        return FileChange(path=path, status=Status.ADDED, binary=True, skipped="binary",
                          size=len(data))
    text = data.decode("utf-8")
    rows = text.split("\n")
    if rows and rows[-1] == "":
        rows.pop()
    lines = tuple(Line("+", t, None, i) for i, t in enumerate(rows, 1))
    return FileChange(path=path, status=Status.ADDED, size=len(data),
                      hunks=(Hunk(1, 1, lines),) if lines else ())


def corpus_changes() -> ChangeSet:
    files = corpus_files()
    return ChangeSet(files=tuple(added_file(p, d) for p, d in files.items()), source="index")


def materialize(dest: Path) -> dict[str, bytes]:
    files = corpus_files()
    for rel, data in files.items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return files


def leak_findings(changes: ChangeSet, cfg: config_mod.Config) -> list[Finding]:
    ruleset = rules_mod.load(cfg, ["leak"])
    return run_all(changes, ruleset, cfg, ["leak"])


@dataclass(frozen=True)
class Score:
    true_pos: int
    false_pos: tuple[Label, ...]
    false_neg: tuple[Label, ...]
    wrong_action: tuple[tuple[Label, str], ...]
    negatives: int

    @property
    def precision(self) -> float:
        found = self.true_pos + len(self.false_pos)
        return self.true_pos / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_pos + len(self.false_neg)
        return self.true_pos / wanted if wanted else 1.0

    def report(self) -> str:
        rows = [f"leak corpus: precision {self.precision:.1%}, recall {self.recall:.1%} "
                f"({self.true_pos} true positives, {len(self.false_pos)} false positives, "
                f"{len(self.false_neg)} missed, {self.negatives} labelled true negatives)"]
        rows += [f"  false positive: {x.path}:{x.line}: {x.rule} {x.action}"
                 for x in self.false_pos]
        rows += [f"  missed: {x.path}:{x.line}: {x.rule} {x.action}" for x in self.false_neg]
        rows += [f"  wrong action: {x.path}:{x.line}: {x.rule}: want {x.action}, got {got}"
                 for x, got in self.wrong_action]
        return "\n".join(rows)


def score(findings: list[Finding], expected: set[Label], negatives: int) -> Score:
    """Precision and recall on (path, line, rule); the action is checked apart."""
    reported = {Label(f.path or "", f.line, f.rule_id, str(f.action)) for f in findings
                if f.suppressed is None}
    key = {(x.path, x.line, x.rule): x for x in expected}
    got = {(x.path, x.line, x.rule): x for x in reported}
    true_pos = len(key.keys() & got.keys())
    false_pos = tuple(sorted(got[k] for k in got.keys() - key.keys()))
    false_neg = tuple(sorted(key[k] for k in key.keys() - got.keys()))
    wrong = tuple(sorted((key[k], got[k].action) for k in key.keys() & got.keys()
                         if key[k].action != got[k].action))
    return Score(true_pos, false_pos, false_neg, wrong, negatives)


def check(files: dict[str, str], cfg: config_mod.Config | None = None) -> list[Finding]:
    """The leak family's findings on a change that adds `files` (path -> text)."""
    cfg = cfg or config_mod.Config()
    changes = ChangeSet(files=tuple(added_file(p, t.encode()) for p, t in files.items()),
                        source="index")
    return run_all(changes, rules_mod.load(cfg, ["leak"]), cfg, ["leak"])
