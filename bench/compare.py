"""authgate next to the Go scanners and detect-secrets, on whole trees and ranges:
`python bench/compare.py [--repo PATH]... [--gitleaks PATH] [--betterleaks PATH]`.

Issue 13 item 6: one run that puts side by side, on the benchmark's scratch
repository and on real repositories (`--repo`, repeatable),

- `authgate scan` cold (`--no-cache`; the first run with an emptied `.git/authgate/`)
  and warm (the unchanged tree, second run) against `detect-secrets scan`,
  `gitleaks dir` and `betterleaks fs`;
- `authgate verify --range A..B` over the last `--commits` commits against
  `gitleaks git --log-opts=A..B` on the same range;

in wall time (median), MB/s of the tree (`git ls-tree -r -l`), commits/s, peak memory
(the largest max RSS in the child's process tree, from `os.wait4`, as `/usr/bin/time`
reports it) and ratios against gitleaks. Commands take turns within each round, so
load from other processes on a shared machine falls on all of them alike.

Every repository is measured in a `git clone --shared` of it in a temporary folder:
nothing is written into the repository given. Each authgate command gets its own copy
of the clone's `.git/authgate/` (the blob cache), restored before every run. The
comparison tools are found with `--gitleaks`/`--betterleaks`/`--detect-secrets` or on
`PATH`; they are never a dependency, and a missing one leaves a row saying so.

Prints Markdown tables; writes bench/out/compare.json and compare.md.
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# bench/ is a directory of scripts, not a package: its modules import by path.
sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_corpus as corpus
import run as bench

OUT = bench.OUT
TIMEOUT = 1800
CACHE = Path(".git") / "authgate"


# --- pure helpers (tests/test_bench.py) ------------------------------------------------

def tree_size(ls_tree: str) -> tuple[int, int]:
    """(files, bytes) of `git ls-tree -r -l` output. Submodules (commit entries, size
    "-") have no bytes in this tree and are not counted."""
    files = size = 0
    for line in ls_tree.splitlines():
        meta, _, _path = line.partition("\t")
        parts = meta.split()
        if len(parts) != 4 or parts[1] != "blob":
            continue
        files += 1
        size += int(parts[3])
    return files, size


def peak_mb(maxrss_kb: int) -> float:
    """`ru_maxrss` is in kilobytes on Linux (bytes on macOS)."""
    return maxrss_kb / (1024 * 1024 if sys.platform == "darwin" else 1024)


# --- one timed command, with its memory -----------------------------------------------

@dataclass
class Run:
    seconds: float
    code: int
    peak_mb: float


def run_measured(argv: Sequence[str], cwd: str, env: dict[str, str], log: Path,
                 timeout: float = TIMEOUT) -> Run:
    """Start argv, wait for it with os.wait4 and return its wall time, exit code and the
    peak RSS of its process tree (the largest process: the kernel keeps, for a reaped
    child, the maximum of its own and its reaped descendants' peaks)."""
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(list(argv), cwd=cwd, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # Ctrl-C: leave no command running behind the report
            proc.kill()
            proc.wait()
            raise
        finally:
            timer.cancel()
        elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return Run(elapsed, proc.returncode, peak_mb(usage.ru_maxrss))


# --- what is compared ------------------------------------------------------------------

@dataclass
class Probe:
    key: str
    label: str
    kind: str  # "scan" or "range"
    argv: list[str] | None  # None: the tool is missing
    cwd: str
    ok: tuple[int, ...] = (0, 1)
    cache: Path | None = None  # the private .git/authgate to restore before each run
    ref: str | None = None  # the gitleaks row its ratios are taken against
    missing: str = ""
    runs: list[Run] = field(default_factory=list)
    error: str | None = None


@dataclass
class Target:
    name: str
    source: str
    clone: Path
    sha: str = ""
    files: int = 0
    bytes: int = 0
    base: str = ""
    tip: str = ""
    commits: int = 0
    first_parent: int = 0
    probes: list[Probe] = field(default_factory=list)


class Compare:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work = Path(args.workdir or tempfile.mkdtemp(prefix="authgate-compare-"))
        self.env = bench.hermetic_env(self.work / "home")
        self.authgate = bench.tool("authgate")
        self.tools = {
            "gitleaks": self.find(args.gitleaks, "gitleaks"),
            "betterleaks": self.find(args.betterleaks, "betterleaks"),
            "detect-secrets": self.find(args.detect_secrets, "detect-secrets"),
        }
        self.skipped = set(args.skip or ())
        self.targets: list[Target] = []
        self.logs = self.work / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    def find(self, given: str | None, name: str) -> str | None:
        if given:
            path = shutil.which(given) or (given if Path(given).is_file() else None)
            if path is None:
                raise SystemExit(f"bench/compare.py: --{name} {given}: not an executable")
            return str(Path(path).resolve())
        found = shutil.which(name, path=self.env["PATH"])
        return str(Path(found).resolve()) if found else None

    def git(self, repo: Path | str, *args: str) -> str:
        return corpus.git(str(repo), self.env, *args)

    # -- repositories --

    def add_target(self, name: str, source: str, *, scratch: bool = False) -> Target:
        clone = self.work / name
        sha = self.git(source, "rev-parse", "--verify", "HEAD^{commit}")
        # --shared: the clone borrows the objects (alternates), so a large repository
        # costs only its checkout; the source is only read.
        self.git(self.work, "clone", "-q", "--shared", "--no-checkout", source, str(clone))
        self.git(clone, "checkout", "-q", "-f", "--detach", sha)
        t = Target(name, source, clone, sha=sha)
        t.files, t.bytes = tree_size(self.git(clone, "ls-tree", "-r", "-l", "HEAD"))
        if scratch:
            # Generated history (bench_corpus), on a branch: the tree scanned stays HEAD.
            t.base, t.tip = corpus.commit_range(str(clone), self.env, self.args.commits,
                                                self.args.seed)
            t.first_parent = self.args.commits
        else:
            chain = self.git(clone, "rev-list", "--first-parent", "-n",
                             str(self.args.commits + 1), "HEAD").split()
            t.tip, t.base = sha, chain[-1]
            t.first_parent = len(chain) - 1
        if t.first_parent:
            t.commits = int(self.git(clone, "rev-list", "--count", f"{t.base}..{t.tip}"))
        self.targets.append(t)
        bench.log(f"{name}: {t.files:,} files, {t.bytes / 1e6:.1f} MB, range of "
                  f"{t.commits} commits")
        return t

    def prime(self, t: Target) -> Path:
        """The warm cache: one scan from empty, its .git/authgate kept aside."""
        live = t.clone / CACHE
        shutil.rmtree(live, ignore_errors=True)
        r = run_measured([self.authgate, "scan"], str(t.clone), self.env,
                         self.logs / f"{t.name}.prime.log")
        if r.code not in (0, 1):
            bench.log(f"{t.name}: priming scan exited {r.code}")
        warm = self.work / f"{t.name}.warm-cache"
        shutil.rmtree(warm, ignore_errors=True)
        if live.exists():
            shutil.copytree(live, warm)
        else:
            warm.mkdir()
        return warm

    def probes(self, t: Target) -> None:
        cwd = str(t.clone)
        empty = self.work / "empty-cache"
        empty.mkdir(exist_ok=True)
        warm = self.prime(t)
        ag = self.authgate
        gl, bl, ds = (self.tools[n] for n in ("gitleaks", "betterleaks", "detect-secrets"))
        k = t.name
        scan_ref = f"{k}.gitleaks-dir"
        t.probes = [
            Probe(f"{k}.ag-nocache", "authgate scan --no-cache", "scan",
                  [ag, "scan", "--no-cache"], cwd, cache=empty, ref=scan_ref),
            Probe(f"{k}.ag-cold", "authgate scan, emptied cache (first run)", "scan",
                  [ag, "scan"], cwd, cache=empty, ref=scan_ref),
            Probe(f"{k}.ag-warm", "authgate scan, warm cache (unchanged tree)", "scan",
                  [ag, "scan"], cwd, cache=warm, ref=scan_ref),
            Probe(scan_ref, "gitleaks dir", "scan",
                  [gl, "dir", ".", "--no-banner", "--redact"] if gl else None, cwd,
                  ref=scan_ref),
            Probe(f"{k}.betterleaks", "betterleaks fs", "scan",
                  [bl, "fs", ".", "--no-banner", "--redact"] if bl else None, cwd,
                  ref=scan_ref),
            # detect-secrets exits 0 whatever it finds (the findings are its JSON).
            Probe(f"{k}.ds", "detect-secrets scan", "scan",
                  [ds, "scan"] if ds else None, cwd, ok=(0,), ref=scan_ref),
        ]
        if t.first_parent:
            rng = f"{t.base}..{t.tip}"
            range_ref = f"{k}.gitleaks-git"
            t.probes += [
                # Exit 1 is the verdict on commits made without the hooks: the work CI
                # does on a pull request.
                Probe(f"{k}.verify", f"authgate verify --range ({t.commits} commits)",
                      "range", [ag, "verify", "--range", rng], cwd, cache=empty,
                      ref=range_ref),
                Probe(range_ref, f"gitleaks git --log-opts=A..B ({t.commits} commits)",
                      "range", [gl, "git", f"--log-opts={rng}", "--no-banner", "--redact",
                                "."] if gl else None, cwd, ref=range_ref),
            ]
        for p in t.probes:
            tool = p.label.split()[0]
            if tool in self.skipped:
                p.argv, p.missing = None, f"skipped (--skip {tool})"
            elif p.argv is None:
                p.missing = f"{tool} not found (give its path or put it on PATH)"

    # -- measuring --

    def run_once(self, p: Probe) -> None:
        assert p.argv is not None
        if p.cache is not None:
            live = Path(p.cwd) / CACHE
            shutil.rmtree(live, ignore_errors=True)
            shutil.copytree(p.cache, live)
        try:
            r = run_measured(p.argv, p.cwd, self.env, self.logs / f"{p.key}.log")
        except OSError as exc:
            p.error = f"could not start: {exc}"
            return
        if r.code not in p.ok:
            tail = (self.logs / f"{p.key}.log").read_bytes().decode("utf-8", "replace")
            p.error = f"exit {r.code}: {bench._last_line(tail)}"
            return
        p.runs.append(r)

    def measure(self) -> None:
        probes = [p for t in self.targets for p in t.probes if p.argv is not None]
        for _ in range(self.args.warmup):
            for p in probes:
                if p.error is None:
                    self.run_once(p)
            for p in probes:
                p.runs.clear()
        for r in range(self.args.runs):
            bench.log(f"round {r + 1} of {self.args.runs}")
            shift = r % len(probes) if probes else 0
            for p in probes[shift:] + probes[:shift]:
                if p.error is None:
                    self.run_once(p)

    # -- results --

    def rows(self, t: Target) -> list[dict[str, Any]]:
        out = []
        for p in t.probes:
            times = [r.seconds for r in p.runs]
            row: dict[str, Any] = {
                "key": p.key, "label": p.label, "kind": p.kind,
                "command": " ".join(bench._short(a) for a in p.argv) if p.argv else None,
                "runs": [round(x, 3) for x in times],
                "peak_mb_runs": [round(r.peak_mb, 1) for r in p.runs],
                "exit_codes": sorted({r.code for r in p.runs}),
                "error": p.error, "missing": p.missing or None, "ref": p.ref,
                **bench.stats(times),
            }
            if p.runs:
                row["peak_mb"] = round(max(r.peak_mb for r in p.runs), 1)
                if p.kind == "scan":
                    row["mb_per_s"] = round(t.bytes / 1e6 / row["median"], 2)
                elif t.commits:
                    row["commits_per_s"] = round(t.commits / row["median"], 1)
            out.append(row)
        by_key = {row["key"]: row for row in out}
        for row in out:
            ref = by_key.get(row["ref"] or "")
            if ref and "median" in ref and "median" in row and ref is not row:
                row["x_gitleaks_time"] = round(row["median"] / ref["median"], 2)
                row["x_gitleaks_memory"] = round(row["peak_mb"] / ref["peak_mb"], 2)
        return out

    def report(self, total: float) -> tuple[str, dict[str, Any]]:
        mach = bench.machine()
        mach["versions"].update(self.versions())
        doc: dict[str, Any] = {
            "schema": "authgate-compare/1", "machine": mach,
            "settings": {"runs": self.args.runs, "warmup": self.args.warmup,
                         "commits": self.args.commits, "label": self.args.label},
            "total_seconds": round(total, 1), "targets": []}
        lines = [f"## authgate next to gitleaks, betterleaks and detect-secrets, "
                 f"{mach['date']}" + (f" ({self.args.label})" if self.args.label else ""),
                 "", f"Machine: {mach['cores']} cores, {mach.get('memory_gb', '?')} GB; "
                 f"Python {mach['python']}; {mach['git']}; "
                 + ", ".join(f"{k} {v}" for k, v in mach["versions"].items()) + ".",
                 f"Runs: median of {self.args.runs} after {self.args.warmup} warm-up, "
                 "commands interleaved; peak memory is the largest max RSS in each "
                 "command's process tree over its runs; 'x gitleaks' is a ratio of "
                 "medians (of peaks) measured in this run, against `gitleaks dir` for "
                 "scans and `gitleaks git` for the range."]
        for t in self.targets:
            rows = self.rows(t)
            doc["targets"].append({
                "name": t.name, "source": t.source, "sha": t.sha, "files": t.files,
                "tree_bytes": t.bytes, "range": f"{t.base}..{t.tip}" if t.commits else None,
                "commits": t.commits, "first_parent_commits": t.first_parent, "rows": rows})
            lines += ["", f"### {t.name} ({t.sha[:10]}; {t.files:,} files, "
                          f"{t.bytes / 1e6:.1f} MB; range {t.commits} commits, "
                          f"{t.first_parent} on the first-parent line)", "",
                      "| command | median s | min-max s | MB/s or commits/s | peak MB "
                      "| x gitleaks time | x gitleaks memory | result |",
                      "|---|---:|---:|---:|---:|---:|---:|---|"]
            lines += [markdown_row(row) for row in rows]
        doc["total_seconds"] = round(total, 1)
        return "\n".join(lines) + "\n", doc

    def versions(self) -> dict[str, str]:
        out = {}
        for name, argv in (("gitleaks", ["version"]), ("betterleaks", ["version"]),
                           ("detect-secrets", ["--version"])):
            path = self.tools[name]
            if path is None:
                out[name] = "not found"
                continue
            proc = subprocess.run([path, *argv], capture_output=True, text=True,
                                  env=self.env)
            out[name] = bench._last_line(proc.stdout + proc.stderr) or "?"
        return out


def markdown_row(row: dict[str, Any]) -> str:
    if "median" not in row:
        result = (f"FAILED ({row['error']})" if row["error"]
                  else row["missing"] or "no runs")
        return f"| {row['label']} | - | - | - | - | - | - | {result} |"
    rate = (f"{row['mb_per_s']:.2f} MB/s" if "mb_per_s" in row
            else f"{row['commits_per_s']:.1f} commits/s" if "commits_per_s" in row else "-")
    xt = f"{row['x_gitleaks_time']:.2f}x" if "x_gitleaks_time" in row else "-"
    xm = f"{row['x_gitleaks_memory']:.2f}x" if "x_gitleaks_memory" in row else "-"
    codes = row["exit_codes"]
    result = "ok" if codes == [0] else f"exit {','.join(map(str, codes))}"
    return (f"| {row['label']} | {row['median']:.2f} | {row['min']:.2f}-{row['max']:.2f} "
            f"| {rate} | {row['peak_mb']:.0f} | {xt} | {xm} | {result} |")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/compare.py",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--repo", action="append", default=[], metavar="PATH",
                        help="a real repository to measure as well (repeatable; only read)")
    parser.add_argument("--no-scratch", action="store_true",
                        help="skip the benchmark's generated repository")
    parser.add_argument("--files", type=int, default=5_000,
                        help="files in the generated repository (default 5,000)")
    parser.add_argument("--commits", type=int, default=300,
                        help="commits in the range (default 300)")
    parser.add_argument("--runs", type=int, default=3, help="timed rounds (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds first")
    parser.add_argument("--gitleaks", help="gitleaks executable (default: on PATH)")
    parser.add_argument("--betterleaks", help="betterleaks executable (default: on PATH)")
    parser.add_argument("--detect-secrets", dest="detect_secrets",
                        help="detect-secrets executable (default: this environment's)")
    parser.add_argument("--skip", type=lambda v: v.split(","), metavar="TOOLS",
                        help="comma-separated tools not to run this time: "
                             "gitleaks, betterleaks, detect-secrets")
    parser.add_argument("--label", default="", help="a note for the title, e.g. the commit")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", help="where the clones go (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the clones")
    parser.add_argument("--name", default="compare",
                        help="output name: bench/out/NAME.json and NAME.md")
    args = parser.parse_args(argv)
    if args.no_scratch and not args.repo:
        parser.error("nothing to measure: --no-scratch without --repo")
    if args.skip and set(args.skip) - {"gitleaks", "betterleaks", "detect-secrets"}:
        parser.error("--skip takes gitleaks, betterleaks, detect-secrets")
    if args.runs < 1 or args.commits < 1:
        parser.error("--runs and --commits must be at least 1")
    for source in args.repo:  # before minutes of building and cloning
        probe = subprocess.run(["git", "-C", source, "rev-parse", "--verify", "-q",
                                "HEAD^{commit}"], capture_output=True)
        if probe.returncode != 0:
            parser.error(f"--repo {source}: not a git repository with a commit")
    OUT.mkdir(parents=True, exist_ok=True)
    cmp = Compare(args)
    start = time.perf_counter()
    try:
        if not args.no_scratch:
            scratch = cmp.work / "scratch-src"
            built = corpus.build_repo(str(scratch), args.files, cmp.env, seed=args.seed)
            bench.log(f"built the scratch repository: {built.files} files")
            cmp.add_target("scratch", str(scratch), scratch=True)
        names: set[str] = {t.name for t in cmp.targets}
        for source in args.repo:
            name = Path(source.rstrip("/")).name or "repo"
            if name in ("repo", ".git"):  # a mirror's repo/ folder: name its parent
                name = Path(source.rstrip("/")).parent.name
            while name in names:
                name += "+"
            names.add(name)
            cmp.add_target(name, source)
        for t in cmp.targets:
            cmp.probes(t)
        cmp.measure()
    except KeyboardInterrupt:
        bench.log("interrupted; writing what was measured")
    finally:
        text, doc = cmp.report(time.perf_counter() - start)
        if not args.keep and not args.workdir:
            shutil.rmtree(cmp.work, ignore_errors=True)
        elif args.keep:
            bench.log(f"clones kept in {cmp.work}")
    print(text)
    (OUT / f"{args.name}.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    (OUT / f"{args.name}.md").write_text(text, encoding="utf-8")
    bench.log(f"wrote {OUT / args.name}.json and .md in {doc['total_seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
