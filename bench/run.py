"""The authgate benchmark: `python bench/run.py [--quick]`.

Builds a scratch repository (bench/bench_corpus.py) in a temporary directory, then times
authgate next to `detect-secrets-hook` and the floor (`git diff --cached` plus an
empty `python -c pass`) on the same change, several runs each after a warm-up. Every
command runs as a subprocess, as a hook runner would start it, from the environment
of the interpreter that runs this script. Commands take turns within each round, so
load from other processes on a shared machine falls on all of them alike: the
ratios measured in one run are the numbers to read, not the absolute times.

Prints a Markdown table and writes bench/out/results.json (and results.md).
Standard library only, plus what the project installs (pre-commit, detect-secrets).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

# bench/ is a directory of scripts, not a package: its modules import by path.
sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_corpus as corpus

PROJECT = Path(__file__).resolve().parent.parent
OUT = PROJECT / "bench" / "out"
BIN = Path(sys.executable).parent
PYTHON = sys.executable
TIMEOUT = 1800

SECTIONS = ("startup", "latency", "profile", "scaling", "scan", "range", "sizes")

# Variables that would change what authgate sees (an agent's shell, a hook runner, a
# user's git setup): the benchmark measures a plain human commit.
STRIP_PREFIXES = ("CLAUDE", "GEMINI", "CODEX", "COPILOT", "CURSOR", "GOOSE", "CRUSH",
                  "OPENCODE", "AI_AGENT", "AGENT", "AIDER", "AMP", "WINDSURF", "CLINE",
                  "OPENHANDS", "REPL_", "DEVIN", "JULES", "QWEN", "KIRO", "PRE_COMMIT",
                  "GIT_", "NO_COLOR", "AUTHGATE", "SKIP", "PYTHONPROFILEIMPORTTIME")


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        raise SystemExit(f"bench: {path} not found; install the project into this "
                         f"environment first (pip install -e .)")
    return str(path)


def hermetic_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(STRIP_PREFIXES)}
    home.mkdir(parents=True, exist_ok=True)
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Bench User\n\temail = bench@example.com\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
        "[advice]\n\tdetachedHead = false\n[protocol \"file\"]\n\tallow = always\n",
        encoding="utf-8")
    env.update({
        "HOME": str(home), "GIT_CONFIG_GLOBAL": str(gitconfig), "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+00:00",
        "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+00:00",
        "LC_ALL": "C.UTF-8", "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(OUT / "pre-commit-home"),
    })
    return env


# --- measuring ----------------------------------------------------------------------

@dataclass
class Probe:
    """One thing to time: argv steps run one after another, timed together."""

    key: str
    label: str
    steps: list[list[str]]
    cwd: str
    ok: tuple[int, ...] = (0, 1)
    setup: Callable[[], None] | None = None  # untimed, before each run
    teardown: Callable[[], None] | None = None  # untimed, after each run
    failure: Callable[[str], str | None] | None = None  # output -> error, or None
    env: dict[str, str] | None = None
    times: list[float] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)
    error: str | None = None
    output_tail: str = ""


def drop_shared_findings(repo: Path) -> None:
    """Start cold, as the first hook of a commit does: without the findings an earlier
    run left for the message hooks (hooks/authgate/hookcache.py)."""
    # A linked worktree (the scaling rows use them) has its own git directory.
    git_dir = subprocess.run(["git", "rev-parse", "--absolute-git-dir"], cwd=repo,
                             capture_output=True, text=True, check=True).stdout.strip()
    (Path(git_dir) / "authgate" / "staged-findings.json").unlink(missing_ok=True)


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:160] if lines else ""


def run_once(probe: Probe, env: dict[str, str]) -> None:
    if probe.setup:
        probe.setup()
    code = 0
    outputs = []
    start = time.perf_counter()
    try:
        for argv in probe.steps:
            proc = subprocess.run(argv, cwd=probe.cwd, env=probe.env or env,
                                  capture_output=True, timeout=TIMEOUT)
            outputs.append(proc.stdout.decode("utf-8", "replace")
                           + proc.stderr.decode("utf-8", "replace"))
            code = proc.returncode
            if code not in probe.ok:
                break
    except subprocess.TimeoutExpired:
        probe.error = f"timed out after {TIMEOUT} s"
        return
    except OSError as exc:
        probe.error = f"could not start: {exc}"
        return
    elapsed = time.perf_counter() - start
    if probe.teardown:
        probe.teardown()
    text = "\n".join(outputs)
    probe.output_tail = text[-2000:]
    probe.codes.append(code)
    if code not in probe.ok:
        probe.error = f"exit {code}: {_last_line(text)}"
    elif probe.failure and (why := probe.failure(text)):
        probe.error = why
    else:
        probe.times.append(elapsed)


def measure(probes: Sequence[Probe], env: dict[str, str], runs: int, warmup: int) -> None:
    """Warm-up, then `runs` rounds in which every probe runs once, in rotating order.

    A probe that fails stops being run: its row says why instead of a time."""
    for _ in range(warmup):
        for p in probes:
            if p.error is None:
                run_once(p, env)
        for p in probes:
            p.times.clear()
    for r in range(runs):
        order = list(probes[r % len(probes):]) + list(probes[:r % len(probes)])
        for p in order:
            if p.error is None:
                run_once(p, env)


def stats(times: Sequence[float]) -> dict[str, float]:
    if not times:
        return {}
    ordered = sorted(times)
    q1, q3 = ordered[0], ordered[-1]
    if len(ordered) >= 4:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    return {"median": statistics.median(ordered), "min": ordered[0], "max": ordered[-1],
            "q1": q1, "q3": q3, "n": float(len(ordered))}


def precommit_failure(text: str) -> str | None:
    # pre-commit exits 1 both when a hook blocks and when a hook crashed; the hook's
    # own exit code (printed as "- exit code: N") tells them apart: authgate uses 2
    # and 3 for errors.
    for line in text.splitlines():
        if line.strip().startswith("- exit code:"):
            code = line.split(":", 1)[1].strip()
            if code not in ("0", "1"):
                return f"hook exit {code}: {_authgate_line(text)}"
    if "An unexpected error has occurred" in text:
        return _last_line(text)
    return None


def _authgate_line(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("authgate:"):
            return line.strip()[:160]
    return _last_line(text)


# --- results ------------------------------------------------------------------------

class Results:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.sections: dict[str, list[str]] = {}
        self.facts: dict[str, Any] = {}

    def add(self, section: str, probe: Probe, **extra: Any) -> dict[str, Any]:
        row: dict[str, Any] = {
            "label": probe.label, "section": section,
            "command": [" ".join(_short(a) for a in step) for step in probe.steps],
            "runs": [round(t, 4) for t in probe.times], **stats(probe.times),
            "exit_codes": sorted(set(probe.codes)), "status": "failed" if probe.error else "ok",
            "error": probe.error, **extra,
        }
        if probe.error and probe.output_tail:
            row["output_tail"] = probe.output_tail[-600:]
        self.rows[probe.key] = row
        self.sections.setdefault(section, []).append(probe.key)
        return row

    def median(self, key: str) -> float | None:
        row = self.rows.get(key)
        return None if row is None or "median" not in row else float(row["median"])


def _short(arg: str) -> str:
    for prefix, name in ((str(BIN) + os.sep, ""), (tempfile.gettempdir() + os.sep, "$TMP/")):
        if arg.startswith(prefix):
            return name + arg[len(prefix):]
    return "python" if arg == PYTHON else arg


def _fmt_s(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def _result(row: dict[str, Any]) -> str:
    if row["error"]:
        return f"FAILED ({row['error']})"
    codes = row["exit_codes"]
    return "ok" if codes == [0] else f"exit {','.join(map(str, codes))}"


def table(res: Results, refs: dict[str, tuple[str | None, str | None]],
          titles: dict[str, str]) -> str:
    """One Markdown table per section; `refs` maps a row to the rows it is compared with:
    the detect-secrets command of its section (the hook, or the scan) and the floor."""
    out: list[str] = []
    for section, keys in res.sections.items():
        out += ["", f"### {titles.get(section, section)}", "",
                "| measurement | median s | min-max s | IQR s | x detect-secrets | x floor | extra "
                "| result |", "|---|---:|---:|---:|---:|---:|---|---|"]
        for key in keys:
            row = res.rows[key]
            ds_key, floor_key = refs.get(key, (None, None))
            med = res.median(key)
            spread = iqr = "-"
            if med is not None:
                spread = f"{row['min']:.3f}-{row['max']:.3f}"
                iqr = f"{row['q3'] - row['q1']:.3f}"
            ds = _ratio(med, res.median(ds_key)) if ds_key and ds_key != key else "-"
            fl = _ratio(med, res.median(floor_key)) if floor_key and floor_key != key else "-"
            out.append(f"| {row['label']} | {_fmt_s(med)} | {spread} | {iqr} | {ds} | {fl} "
                       f"| {row.get('extra_text', '')} | {_result(row)} |")
    return "\n".join(out) + "\n"


# --- the benchmark ------------------------------------------------------------------

class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.quick: bool = args.quick
        self.runs: int = args.runs or (3 if self.quick else 7)
        self.scan_runs: int = 1 if self.quick else 3
        self.work = Path(args.workdir or tempfile.mkdtemp(prefix="authgate-bench-"))
        self.env = hermetic_env(self.work / "home")
        self.res = Results()
        self.refs: dict[str, tuple[str | None, str | None]] = {}
        self.authgate = tool("authgate")
        self.ds_hook = tool("detect-secrets-hook")
        self.ds = tool("detect-secrets")
        self.precommit = tool("pre-commit")
        self.main_repo = self.work / "repo-main"
        self.main_corpus: corpus.Corpus | None = None
        self.baseline: bytes | None = None
        self.baseline_seconds = 0.0
        self.hooks_ready = False
        self.msg_file = self.work / "COMMIT_EDITMSG"

    # -- helpers --

    def git(self, repo: Path, *args: str) -> str:
        return corpus.git(str(repo), self.env, *args)

    def build(self, name: str, n_files: int) -> tuple[Path, corpus.Corpus]:
        path = self.work / name
        if path.exists():
            shutil.rmtree(path)
        start = time.perf_counter()
        built = corpus.build_repo(str(path), n_files, self.env, seed=self.args.seed)
        took = time.perf_counter() - start
        self.res.facts.setdefault("repositories", {})[name] = {
            "files": built.files, "bytes": built.bytes, "build_seconds": round(took, 2)}
        log(f"built {name}: {built.files} files, {built.bytes / 1e6:.1f} MB in {took:.1f} s")
        return path, built

    def reset(self, repo: Path) -> None:
        self.git(repo, "reset", "-q", "--hard", "HEAD")

    def stage(self, repo: Path, paths: list[str]) -> list[str]:
        self.git(repo, "add", "--", *paths)
        # The files pre-commit would hand detect-secrets-hook (deleted files never).
        out = self.git(repo, "diff", "--cached", "--name-only", "--diff-filter=ACMRTUXB")
        return out.splitlines()

    def floor(self, key: str, repo: Path) -> Probe:
        return Probe(key, "floor: git diff --cached + python -c pass",
                     [["git", "diff", "--cached"], [PYTHON, "-c", "pass"]], str(repo), ok=(0,))

    def check(self, key: str, repo: Path, label: str = "authgate check",
              *extra: str) -> Probe:
        return Probe(key, label, [[self.authgate, "check", *extra]], str(repo),
                     setup=lambda: drop_shared_findings(repo))

    def compared(self, key: str, prefix: str, repo: Path, files: list[str], *,
                 baseline: bool) -> list[Probe]:
        """floor, detect-secrets-hook and authgate check on one staged change, each
        row's ratios taken against the first two."""
        group = [self.floor(f"{key}.floor", repo),
                 self.ds_probe(f"{key}.ds", repo, files, baseline=baseline),
                 self.check(f"{key}.check", repo)]
        for p in group:
            p.label = prefix + p.label
            self.refs[p.key] = (f"{key}.ds", f"{key}.floor")
        return group

    def ds_probe(self, key: str, repo: Path, files: list[str], *, baseline: bool,
                 no_verify: bool = False, label: str | None = None) -> Probe:
        argv = [self.ds_hook]
        if no_verify:
            argv.append("-n")
        if baseline:
            argv += ["--baseline", ".secrets.baseline"]
        name = label or ("detect-secrets-hook" + (" -n" if no_verify else "")
                         + (" --baseline" if baseline else ""))
        probe = Probe(key, name, [argv + files], str(repo))
        if baseline and self.baseline is not None:
            # 3: it rewrote the baseline's line numbers; put it back for the next run.
            probe.setup = probe.teardown = lambda: self.restore_baseline(repo)
            probe.ok = (0, 1, 3)
        return probe

    def restore_baseline(self, repo: Path | None = None) -> None:
        if self.baseline is not None:
            ((repo or self.main_repo) / ".secrets.baseline").write_bytes(self.baseline)

    def after_check(self, repo: Path) -> None:
        subprocess.run([self.authgate, "check"], cwd=repo, env=self.env,
                       capture_output=True)
        self.write_message()

    def cold_message(self, repo: Path) -> None:
        drop_shared_findings(repo)
        self.write_message()

    def write_message(self) -> None:
        self.msg_file.write_text(
            "Add refresh tokens and an MFA login path\n\n"
            "Refresh tokens are bound to a session and rotated on every use.\n",
            encoding="utf-8")

    # -- sections --

    def main(self) -> None:
        self.res.facts["machine"] = machine()
        self.res.facts["settings"] = {
            "quick": self.quick, "runs": self.runs, "warmup": 1, "scan_runs": self.scan_runs,
            "seed": self.args.seed, "main_files": self.args.files}
        self.main_repo, self.main_corpus = self.build("repo-main", self.args.files)
        wanted = self.args.only or SECTIONS
        # Order matters: the scan writes the baseline the hook rows use, and the
        # pre-commit environment is built once before the latency rows.
        self.make_baseline()
        for name in ("startup", "scan", "latency", "profile", "scaling", "range", "sizes"):
            if name in wanted:
                log(f"section {name}")
                getattr(self, f"section_{name}")()

    def make_baseline(self) -> None:
        """`detect-secrets scan > .secrets.baseline`, committed: what a detect-secrets user
        has in their repository, and what `detect-secrets-hook --baseline` reads."""
        start = time.perf_counter()
        proc = subprocess.run([self.ds, "scan"], cwd=self.main_repo, env=self.env,
                              capture_output=True, timeout=TIMEOUT)
        self.baseline_seconds = time.perf_counter() - start
        if proc.returncode != 0:
            self.res.facts["baseline_error"] = _last_line(proc.stderr.decode(errors="replace"))
            return
        self.baseline = proc.stdout
        (self.main_repo / ".secrets.baseline").write_bytes(proc.stdout)
        self.git(self.main_repo, "add", ".secrets.baseline")
        self.git(self.main_repo, "commit", "-q", "--no-verify", "-m", "detect-secrets baseline")
        found = json.loads(proc.stdout)["results"]
        self.res.facts["baseline_secrets"] = sum(len(v) for v in found.values())

    def section_startup(self) -> None:
        repo = str(self.main_repo)
        self.reset(self.main_repo)
        probes = [
            Probe("startup.python", "python -c pass", [[PYTHON, "-c", "pass"]], repo, ok=(0,)),
            Probe("startup.import", "python -c 'import authgate.cli'",
                  [[PYTHON, "-c", "import authgate.cli"]], repo, ok=(0,)),
            Probe("startup.version", "authgate --version", [[self.authgate, "--version"]], repo,
                  ok=(0,)),
            Probe("startup.check-empty", "authgate check (nothing staged)",
                  [[self.authgate, "check"]], repo, ok=(0,)),
        ]
        measure(probes, self.env, self.runs, 1)
        for p in probes:
            self.refs[p.key] = (None, "startup.python")
            self.res.add("startup", p)
        report: dict[str, Any] = {}
        for key, argv in (
                ("import authgate.cli", [PYTHON, "-X", "importtime", "-c", "import authgate.cli"]),
                ("authgate --version", [self.authgate, "--version"]),
                ("authgate check (nothing staged)", [self.authgate, "check"])):
            env = {**self.env, "PYTHONPROFILEIMPORTTIME": "1"}
            proc = subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True)
            report[key] = importtime(proc.stderr)
            report[key]["exit_code"] = proc.returncode
        self.res.facts["importtime"] = report
        for p, key in zip(probes[1:], report):
            r = report[key]
            p_row = self.res.rows[p.key]
            p_row["extra_text"] = (f"imports {r['total_ms']:.0f} ms, {r['modules']} modules; "
                                   f"detect_secrets {'YES' if r['detect_secrets'] else 'no'}, "
                                   f"GitPython {'YES' if r['gitpython'] else 'no'}")

    def ensure_hooks(self) -> bool:
        """Install authgate's hooks with the real pre-commit, from a committed snapshot of
        this project (as tests/conftest.py `hook_repo` does). The snapshot's commit is
        deterministic, so pre-commit's environment under bench/out is built only when
        the project changed."""
        if self.hooks_ready:
            return True
        snap = OUT / "hook-repo"
        if snap.exists():
            shutil.rmtree(snap)
        snap.mkdir(parents=True)
        for name in ("hooks", "pyproject.toml", ".pre-commit-hooks.yaml", "README.md"):
            src = PROJECT / name
            if src.is_dir():
                shutil.copytree(src, snap / name, ignore=shutil.ignore_patterns(
                    "__pycache__", "*.egg-info"))
            elif src.exists():
                shutil.copy2(src, snap / name)
        for argv in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
            self.git(snap, *argv)
        sha = self.git(snap, "rev-parse", "HEAD")
        repo = self.main_repo
        (repo / ".pre-commit-config.yaml").write_text(
            "default_install_hook_types: [pre-commit, prepare-commit-msg, commit-msg]\n"
            "repos:\n"
            f"- repo: {snap.as_uri()}\n  rev: {sha}\n  hooks:\n"
            "  - id: authgate\n  - id: authgate-trailers\n", encoding="utf-8")
        # detect-secrets as its users run it through pre-commit, from this environment
        # (the upstream hook repository is not reachable offline).
        (repo / ".pre-commit-detect-secrets.yaml").write_text(
            "repos:\n- repo: local\n  hooks:\n  - id: detect-secrets\n"
            "    name: detect-secrets\n    entry: detect-secrets-hook\n    language: system\n"
            "    args: ['--baseline', '.secrets.baseline']\n", encoding="utf-8")
        self.git(repo, "add", ".pre-commit-config.yaml", ".pre-commit-detect-secrets.yaml")
        self.git(repo, "commit", "-q", "--no-verify", "-m", "pre-commit configuration")
        start = time.perf_counter()
        proc = subprocess.run([self.precommit, "install", "--install-hooks"], cwd=repo,
                              env=self.env, capture_output=True, text=True, timeout=TIMEOUT)
        took = time.perf_counter() - start
        self.res.facts["pre_commit_install"] = {
            "seconds": round(took, 1), "exit_code": proc.returncode, "hook_repo_rev": sha}
        if proc.returncode != 0:
            self.res.facts["pre_commit_install"]["error"] = _last_line(proc.stdout + proc.stderr)
            log(f"pre-commit install failed: {_last_line(proc.stdout + proc.stderr)}")
            return False
        log(f"pre-commit hooks installed in {took:.1f} s")
        # Drop environments of earlier snapshots: only this one is referenced now.
        subprocess.run([self.precommit, "gc"], cwd=repo, env=self.env, capture_output=True)
        self.hooks_ready = True
        return True

    def section_latency(self) -> None:
        repo, r = self.main_repo, str(self.main_repo)
        hooks = self.ensure_hooks()
        self.reset(repo)
        files = self.stage(repo, corpus.typical_change(r, self.args.seed))
        added = self.git(repo, "diff", "--cached", "--numstat")
        n_added = sum(int(line.split()[0]) for line in added.splitlines())
        self.res.facts["typical_change"] = {"files": len(files), "added_lines": n_added}
        msg = str(self.msg_file)
        probes = [
            self.floor("latency.floor", repo),
            self.ds_probe("latency.ds", repo, files, baseline=True),
            self.ds_probe("latency.ds-n", repo, files, baseline=True, no_verify=True),
            self.check("latency.check", repo),
            self.check("latency.check-leaks", repo, "authgate check --only leaks",
                       "--only", "leaks"),
            # Full check minus this row is what provenance detection adds to a commit.
            self.check("latency.check-no-provenance", repo,
                       "authgate check --only leaks,identity", "--only", "leaks,identity"),
            # As in a commit: pre-commit's check ran first (untimed) and left its
            # findings; other rows of the round may have replaced them since.
            Probe("latency.msg", "authgate msg <file> (after check)",
                  [[self.authgate, "msg", msg]], r, setup=lambda: self.after_check(repo)),
        ]
        if hooks:
            pc = self.precommit
            probes += [
                Probe("latency.pc-pre-commit", "pre-commit run --hook-stage pre-commit",
                      [[pc, "run", "--hook-stage", "pre-commit"]], r,
                      setup=lambda: drop_shared_findings(repo), failure=precommit_failure),
                Probe("latency.pc-prepare", "pre-commit run --hook-stage prepare-commit-msg",
                      [[pc, "run", "--hook-stage", "prepare-commit-msg",
                        "--commit-msg-filename", msg,
                        "--prepare-commit-message-source", "message"]], r,
                      setup=self.write_message, failure=precommit_failure),
                Probe("latency.pc-commit-msg", "pre-commit run --hook-stage commit-msg",
                      [[pc, "run", "--hook-stage", "commit-msg", "--commit-msg-filename", msg]],
                      r, setup=self.write_message, failure=precommit_failure),
                Probe("latency.pc-ds", "pre-commit run (detect-secrets-hook --baseline)",
                      [[pc, "run", "-c", ".pre-commit-detect-secrets.yaml",
                        "--hook-stage", "pre-commit"]], r,
                      setup=self.restore_baseline, teardown=self.restore_baseline,
                      failure=precommit_failure),
                Probe("latency.git-commit", "git commit (all authgate hooks)",
                      [["git", "commit", "-q", "-F", msg]], r,
                      setup=lambda: self.cold_message(repo),
                      teardown=self.uncommit, failure=precommit_failure),
            ]
        measure(probes, self.env, self.runs, 1)
        for p in probes:
            self.refs[p.key] = ("latency.ds", "latency.floor")
            self.res.add("latency", p)
        self.refs["latency.pc-ds"] = ("latency.pc-ds", "latency.floor")
        # Without -n, plugins that verify online would call out; this corpus plants no
        # secret of theirs, so the time is the same as with -n and no call is made.
        self.res.rows["latency.ds"]["extra_text"] = "as users run it (no -n; no network call)"
        self.res.rows["latency.floor"]["extra_text"] = (
            f"{len(files)} files, {n_added} added lines staged")

    def uncommit(self) -> None:
        # Undo a commit the hooks let through, keeping the change staged for the next run.
        if self.git(self.main_repo, "log", "-1", "--format=%s").startswith("Add refresh"):
            self.git(self.main_repo, "reset", "-q", "--soft", "HEAD~1")

    def section_profile(self) -> None:
        """cProfile of `authgate check` on the typical change: where authgate's own time
        goes (git subprocesses show as waiting in subprocess/select calls)."""
        repo, r = self.main_repo, str(self.main_repo)
        self.reset(repo)
        self.stage(repo, corpus.typical_change(r, self.args.seed))
        drop_shared_findings(repo)  # profile the work, not a read of what a run left
        prof = OUT / "check.prof"
        proc = subprocess.run([PYTHON, "-m", "cProfile", "-o", str(prof), "-m", "authgate",
                               "check"], cwd=r, env=self.env, capture_output=True, text=True)
        if not prof.exists():
            self.res.facts["profile"] = {"error": _last_line(proc.stderr)}
            return
        stream = OUT / "profile-check.txt"
        with open(stream, "w", encoding="utf-8") as fh:
            st = pstats.Stats(str(prof), stream=fh)
            st.sort_stats("cumulative").print_stats(40)
            st.sort_stats("tottime").print_stats(25)
        self.res.facts["profile"] = {"exit_code": proc.returncode, "text": str(stream),
                                     "top": profile_top(prof)}

    def section_scaling(self) -> None:
        """Each change size in its own worktree of the main repository, so that every
        row is measured in the same rounds and compares with the others fairly."""
        base = self.main_repo
        self.reset(base)
        scenarios: list[tuple[str, str, int]] = [
            (f"files-{n}", f"{n:,} changed file{'s' if n > 1 else ''}", n)
            for n in (1, 10, 100, 1000)]
        scenarios.append(("big-1line", f"1 line in a {corpus.BIG_FILE_LINES:,}-line file", 0))
        probes: list[Probe] = []
        trees = []
        try:
            for key, label, count in scenarios:
                tree = self.work / f"wt-{key}"
                self.git(base, "worktree", "add", "-q", "--detach", str(tree), "HEAD")
                trees.append(tree)
                wt = str(tree)
                files = self.stage(tree, corpus.touch_files(wt, count, self.args.seed) if count
                                   else corpus.one_line_change(wt, self.args.seed))
                probes += self.compared(f"scaling.{key}", f"{label}: ", tree, files,
                                        baseline=True)
            measure(probes, self.env, self.runs, 1)
        finally:
            for tree in trees:
                self.git(base, "worktree", "remove", "--force", str(tree))
        for p in probes:
            self.res.add("scaling", p)

    def section_scan(self) -> None:
        repo, r = self.main_repo, str(self.main_repo)
        self.reset(repo)
        size = tree_bytes(self, repo)
        ds_out = OUT / "detect-secrets-scan.json"
        ag_out = OUT / "authgate-scan.json"
        # `detect-secrets scan` reports every secret, baseline or not; authgate honours
        # the committed .secrets.baseline, which lists the planted ones. The same work
        # on both sides means authgate without the baseline here.
        no_baseline = OUT / "scan-without-baseline.toml"
        no_baseline.write_text('baseline = ".secrets.baseline.none"\n', encoding="utf-8")
        probes = [
            Probe("scan.ds", "detect-secrets scan", [[self.ds, "scan"]], r, ok=(0,)),
            Probe("scan.authgate", "authgate scan",
                  [[self.authgate, "scan", "--config", str(no_baseline), "--format", "json",
                    "--output", str(ag_out)]], r),
        ]
        # detect-secrets' first run made the baseline (its warm-up); authgate gets one
        # here. A quick run counts the baseline run as detect-secrets' one sample: a
        # minute saved, on a tree that differs only by the baseline file itself.
        run_once(probes[1], self.env)
        probes[1].times.clear()
        if self.quick and self.baseline is not None:
            probes[0].times.append(self.baseline_seconds)
            probes[0].codes.append(0)
            measure(probes[1:], self.env, self.scan_runs, 0)
        else:
            measure(probes, self.env, self.scan_runs, 0)
        if self.baseline is not None:
            ds_out.write_bytes(self.baseline)
        for p in probes:
            self.refs[p.key] = ("scan.ds", None)
            row = self.res.add("scan", p, tree_bytes=size)
            med = self.res.median(p.key)
            if med:
                row["mb_per_s"] = round(size / 1e6 / med, 3)
                row["extra_text"] = f"{row['mb_per_s']:.2f} MB/s over {size / 1e6:.1f} MB"
        self.res.facts["scan_agreement"] = scan_agreement(ds_out, ag_out)

    def section_range(self) -> None:
        repo, r = self.main_repo, str(self.main_repo)
        self.reset(repo)
        count = 100 if self.quick else 300
        if self.git(repo, "branch", "--list", "bench-range"):
            self.git(repo, "branch", "-q", "-D", "bench-range")
        base, tip = corpus.commit_range(r, self.env, count, self.args.seed)
        probe = Probe("range.verify", f"authgate verify --range ({count} commits)",
                      [[self.authgate, "verify", "--range", f"{base}..{tip}"]], r)
        measure([probe], self.env, self.scan_runs, 1)
        row = self.res.add("range", probe, commits=count)
        med = self.res.median(probe.key)
        if med:
            row["commits_per_s"] = round(count / med, 1)
            row["extra_text"] = f"{row['commits_per_s']:.1f} commits/s"

    def section_sizes(self) -> None:
        """The same change in repositories of 1,000, 5,000 and 50,000 files, all measured
        in the same rounds."""
        sizes = [1_000, self.args.files] + ([] if self.quick else [50_000])
        probes: list[Probe] = []
        repos = []
        try:
            for n in sizes:
                if n == self.args.files:
                    repo = self.main_repo
                else:
                    repo, _ = self.build(f"repo-{n}", n)
                    repos.append(repo)
                self.reset(repo)
                files = self.stage(repo, corpus.typical_change(str(repo), self.args.seed))
                probes += self.compared(f"sizes.{n}", f"{n:,}-file repo: ", repo, files,
                                        baseline=False)
            measure(probes, self.env, self.runs, 1)
        finally:
            for repo in repos:
                shutil.rmtree(repo, ignore_errors=True)
        for p in probes:
            self.res.add("sizes", p)
        self.res.facts["size_list"] = sizes


# --- facts about the machine and the outputs -----------------------------------------

def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(), "platform": platform.platform(),
        "python": platform.python_version(),
    }
    try:
        with open("/proc/meminfo", encoding="utf-8") as fh:
            kb = int(next(ln for ln in fh if ln.startswith("MemTotal")).split()[1])
        info["memory_gb"] = round(kb / 1024 / 1024, 1)
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            info["cpu"] = next((ln.split(":", 1)[1].strip() for ln in fh
                                if ln.startswith("model name")), "")
    except (OSError, StopIteration, ValueError):
        pass
    git = subprocess.run(["git", "--version"], capture_output=True, text=True)
    info["git"] = git.stdout.strip()
    versions = {}
    for dist in ("authgate", "detect-secrets", "pre-commit"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    info["versions"] = versions
    return info


def importtime(stderr: str) -> dict[str, Any]:
    """Summarise `-X importtime` output: total self time, which modules were imported."""
    names: list[str] = []
    total_us = 0
    top: list[tuple[int, str]] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        parts = line[len("import time:"):].split("|")
        if len(parts) != 3:
            continue
        self_us, cum_us, raw = int(parts[0]), int(parts[1]), parts[2]
        name = raw.strip()
        names.append(name)
        total_us += self_us
        if raw[1:2] != " ":  # one space after "|" marks a top-level import
            top.append((cum_us, name))
    top.sort(reverse=True)
    return {
        "total_ms": round(total_us / 1000, 1), "modules": len(names),
        "detect_secrets": any(n == "detect_secrets" or n.startswith("detect_secrets.")
                              for n in names),
        "gitpython": any(n == "git" or n.startswith("git.") for n in names),
        "authgate_modules": sorted(n for n in names if n.startswith("authgate")),
        # A proxy for "compiles rule catalogs it does not need": loading them needs both.
        "rules_module": "authgate.rules" in names,
        "toml": any(n in ("tomllib", "tomli") for n in names),
        "heaviest": [f"{name} {us / 1000:.1f} ms" for us, name in top[:6]],
    }


def profile_top(prof: Path) -> list[str]:
    """authgate's own functions by cumulative time, below the entry-point chain (which
    holds everything), then the library calls that cost most in total."""
    st = pstats.Stats(str(prof))
    table: dict[Any, Any] = st.stats  # type: ignore[attr-defined]
    total = max(v[3] for v in table.values())
    own, lib = [], []
    for (filename, line, func), (_, calls, tottime, cumtime, _) in table.items():
        if "authgate" in filename and cumtime < 0.75 * total:
            rel = filename.split("authgate", 1)[1].lstrip(os.sep)
            own.append((cumtime, f"authgate/{rel}:{line} {func}: {cumtime * 1000:.0f} ms cum, "
                                 f"{tottime * 1000:.0f} ms own, {calls} calls"))
        elif filename == "~" or "authgate" not in filename:
            where = "builtin" if filename == "~" else os.path.basename(filename)
            lib.append((tottime, f"{where} {func}: {tottime * 1000:.0f} ms own, "
                                 f"{cumtime * 1000:.0f} ms cum, {calls} calls"))
    own.sort(reverse=True)
    lib.sort(reverse=True)
    return ([f"total {total * 1000:.0f} ms under cProfile"] + [t for _, t in own[:12]]
            + ["library/builtin, by own time:"] + [t for _, t in lib[:6]])


def tree_bytes(bench: Bench, repo: Path) -> int:
    out = bench.git(repo, "ls-tree", "-r", "-l", "HEAD")
    return sum(int(line.split()[3]) for line in out.splitlines() if line.split()[3] != "-")


def scan_agreement(ds_out: Path, ag_out: Path) -> dict[str, Any]:
    """Do the two scans find the same secrets? Compared by (path, line)."""
    try:
        ds = json.loads(ds_out.read_text(encoding="utf-8"))["results"]
        ag = json.loads(ag_out.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError) as exc:
        return {"error": f"no comparable output ({type(exc).__name__})"}
    ds_set = {(path, s["line_number"]) for path, found in ds.items() for s in found}
    ag_set = {(f["path"], f["line"]) for subject in ag.get("subjects", [])
              for f in subject.get("findings", []) if str(f.get("rule", "")).startswith(
                  "leak.secret")}
    missing = sorted(ds_set - ag_set)
    return {"detect_secrets": len(ds_set), "authgate_secret_findings": len(ag_set),
            "missed_by_authgate": len(missing),
            "missed_examples": [f"{p}:{n}" for p, n in missing[:10]],
            "extra_in_authgate": len(ag_set - ds_set), "same": not missing and bool(ag_set)}


# --- the verdict against the targets -----------------------------------------

def goals(res: Results) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []

    def row(name: str, ok: bool | None, detail: str) -> None:
        out.append((name, "n/a" if ok is None else ("yes" if ok else "NO"), detail))

    m = res.median
    check, ds, floor = m("latency.check"), m("latency.ds"), m("latency.floor")
    row("authgate check <= 1.0x detect-secrets-hook (typical change)",
        None if check is None or ds is None else check <= ds, _ratio(check, ds))
    row("stretch: authgate check <= floor + 0.15 s",
        None if check is None or floor is None else check <= floor + 0.15,
        "-" if check is None or floor is None else f"{check:.3f} vs {floor + 0.15:.3f} s")
    leaks = m("latency.check-leaks")
    row("authgate check --only leaks <= 1.0x detect-secrets-hook",
        None if leaks is None or ds is None else leaks <= ds, _ratio(leaks, ds))
    without = m("latency.check-no-provenance")
    adds = None if check is None or without is None else check - without
    row("provenance adds < 10 ms to a commit (check minus check --only leaks,identity)",
        None if adds is None else adds < 0.010, "-" if adds is None else f"{adds * 1000:.1f} ms")
    ag_scan, ds_scan = m("scan.authgate"), m("scan.ds")
    agree = res.facts.get("scan_agreement", {})
    speed = None if ag_scan is None or ds_scan is None else ds_scan / ag_scan
    row("authgate scan >= 5x detect-secrets scan throughput",
        None if speed is None else speed >= 5, "-" if speed is None else f"{speed:.2f}x")
    row("authgate scan finds every secret detect-secrets scan finds",
        agree.get("same") if "same" in agree else None,
        f"missed {agree.get('missed_by_authgate', '?')} of {agree.get('detect_secrets', '?')}"
        if "detect_secrets" in agree else agree.get("error", "-"))
    sizes = res.facts.get("size_list", [])
    if sizes:
        small, large = f"sizes.{sizes[0]}.check", f"sizes.{sizes[-1]}.check"
        row(f"flat from {sizes[0]:,} to {sizes[-1]:,} files (ratio <= 1.15 or IQRs overlap)",
            _flat(res, small, large), _ratio(m(large), m(small)))
    row("flat in file size: 1 line of a 20,000-line file vs 1 small file",
        _flat(res, "scaling.files-1.check", "scaling.big-1line.check"),
        _ratio(m("scaling.big-1line.check"), m("scaling.files-1.check")))
    imp = res.facts.get("importtime", {})
    for key in ("authgate --version", "authgate check (nothing staged)"):
        if key in imp:
            bad = [n for n, flag in (("detect_secrets", imp[key]["detect_secrets"]),
                                     ("GitPython", imp[key]["gitpython"])) if flag]
            row(f"{key} imports neither detect_secrets nor GitPython", not bad,
                ", ".join(bad) or f"{imp[key]['total_ms']:.0f} ms of imports")
    return out


def _flat(res: Results, small: str, large: str) -> bool | None:
    a, b = res.rows.get(small), res.rows.get(large)
    if not a or not b or "median" not in a or "median" not in b:
        return None
    return bool(b["median"] <= 1.15 * a["median"] or b["q1"] <= a["q3"])


# --- entry ----------------------------------------------------------------------------

TITLES = {
    "startup": "Start-up (clean repository, nothing staged)",
    "latency": "Commit latency: typical staged change",
    "scaling": "Change-size scaling",
    "scan": "Full scan of the tree",
    "range": "Range verification",
    "sizes": "Repository-size independence (same change)",
}


def log(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def render(bench: Bench) -> str:
    res = bench.res
    mach = res.facts["machine"]
    lines = [f"## authgate benchmark, {mach['date']}", "",
             f"Machine: {mach['cores']} cores, {mach.get('memory_gb', '?')} GB, "
             f"{mach.get('cpu', '')}; {mach['platform']}; Python {mach['python']}; "
             f"{mach['git']}; " + ", ".join(f"{k} {v}" for k, v in mach["versions"].items())
             + ".", ""]
    repos = res.facts.get("repositories", {})
    lines.append("Repositories: " + "; ".join(
        f"{name} {r['files']:,} files, {r['bytes'] / 1e6:.1f} MB, built in "
        f"{r['build_seconds']} s" for name, r in repos.items()) + ".")
    tc = res.facts.get("typical_change")
    if tc:
        lines.append(f"Typical change: {tc['files']} files, {tc['added_lines']} added lines "
                     "(refresh tokens, an MFA login path, tests, and code in five languages).")
    settings = res.facts["settings"]
    lines.append(f"Runs: {settings['runs']} after 1 warm-up (full scans: "
                 f"{settings['scan_runs']}), commands interleaved; times in seconds; "
                 "'x detect-secrets' (the hook, or the scan) and 'x floor' are ratios of "
                 "medians measured in this run.")
    body = "\n".join(lines) + "\n" + table(res, bench.refs, TITLES)
    agree = res.facts.get("scan_agreement")
    if agree:
        body += f"\nScan agreement (secrets by path and line): {json.dumps(agree)}\n"
    imp = res.facts.get("importtime", {})
    if imp:
        body += "\n### Import time (`-X importtime`)\n\n"
        body += ("| command | imports ms | modules | detect_secrets | GitPython | "
                 "authgate.rules / toml | heaviest |\n")
        body += "|---|---:|---:|---|---|---|---|\n"
        for key, r in imp.items():
            body += (f"| {key} | {r['total_ms']:.1f} | {r['modules']} | "
                     f"{'imported' if r['detect_secrets'] else 'no'} | "
                     f"{'imported' if r['gitpython'] else 'no'} | "
                     f"{'yes' if r['rules_module'] else 'no'} / {'yes' if r['toml'] else 'no'} | "
                     f"{'; '.join(r['heaviest'][:3])} |\n")
    prof = res.facts.get("profile", {})
    if prof.get("top"):
        body += ("\n### Profile of `authgate check` on the typical change (cProfile, "
                 "authgate's own functions by cumulative time)\n\n")
        body += "\n".join(f"- {line}" for line in prof["top"]) + "\n"
    body += "\n### Targets (issue 8)\n\n| target | met | measured |\n|---|---|---|\n"
    body += "".join(f"| {name} | {ok} | {detail} |\n" for name, ok, detail in goals(res))
    return body


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="3 runs, 1 scan run, 100-commit range, no 50,000-file repository")
    parser.add_argument("--runs", type=int, default=0, help="timed runs per command")
    parser.add_argument("--files", type=int, default=5_000,
                        help="files in the main repository (default 5,000)")
    parser.add_argument("--only", type=lambda s: s.split(","),
                        help=f"comma-separated sections: {', '.join(SECTIONS)}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", help="where to build the repositories (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch repositories")
    args = parser.parse_args(argv)
    if args.only and set(args.only) - set(SECTIONS):
        parser.error(f"unknown section in --only (choose from {', '.join(SECTIONS)})")
    if args.files < 1_000:
        parser.error("--files must be at least 1,000")
    OUT.mkdir(parents=True, exist_ok=True)
    bench = Bench(args)
    start = time.perf_counter()
    try:
        bench.main()
    except KeyboardInterrupt:
        log("interrupted; writing what was measured")
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(bench.work, ignore_errors=True)
        elif args.keep:
            log(f"scratch repositories kept in {bench.work}")
    bench.res.facts["total_seconds"] = round(time.perf_counter() - start, 1)
    text = render(bench)
    print(text)
    doc = {"schema": "authgate-bench/1", "facts": bench.res.facts, "results": bench.res.rows,
           "refs": {k: {"ds_hook": v[0], "floor": v[1]} for k, v in bench.refs.items()},
           "targets": [{"target": n, "met": ok, "measured": d} for n, ok, d in goals(bench.res)]}
    (OUT / "results.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    (OUT / "results.md").write_text(text, encoding="utf-8")
    log(f"wrote {OUT / 'results.json'} and results.md in {bench.res.facts['total_seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
