"""What the package carries: its dependencies, the detect-secrets entry points it relies
on, the wheel and sdist it builds, and a repository that stands alone."""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import re
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from testing import PROJECT

# One worker runs this file: the wheel and sdist are built once (module fixture `dist`).
pytestmark = pytest.mark.xdist_group("packaging")

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

PYPROJECT = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
CATALOGS = sorted(p.name for p in (PROJECT / "hooks/authgate/rules").glob("*.toml"))


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower()


def _third_party_imports() -> set[str]:
    """Top-level modules imported anywhere under hooks/authgate, minus the standard
    library and authgate itself."""
    found: set[str] = set()
    for path in (PROJECT / "hooks/authgate").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in _stdlib() and m != "authgate"}


def _stdlib() -> set[str]:
    names = set(getattr(sys, "stdlib_module_names", ()))
    if not names:  # Python 3.9: what the standard library directory holds
        lib = Path(sysconfig.get_paths()["stdlib"])
        names = set(sys.builtin_module_names)
        names |= {p.name.split(".")[0] for p in lib.iterdir()}
        names |= {p.name.split(".")[0] for p in (lib / "lib-dynload").iterdir()}
    return names | {"tomllib"}  # tomllib: 3.11+, tomli before


# --- dependencies ------------------------------------------------------------------

def test_runtime_dependencies_are_exactly_what_the_package_imports() -> None:
    # Distribution name -> the module it provides.
    provides = {"ahocorasick-rs": "ahocorasick_rs", "detect-secrets": "detect_secrets",
                "tomli": "tomli"}
    declared = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    assert {provides.get(d, d) for d in declared} == _third_party_imports()
    # Neither is imported by authgate: GitPython nowhere, pre-commit only by the tests.
    assert "gitpython" not in declared and "pre-commit" not in declared
    assert "pre-commit" in {_name(r) for r in PYPROJECT["project"]["optional-dependencies"]
                            ["test"]}


def test_detect_secrets_is_pinned_to_the_range_it_is_tested_against() -> None:
    from importlib.metadata import version

    (spec,) = [r for r in PYPROJECT["project"]["dependencies"]
               if _name(r) == "detect-secrets"]
    low, high = re.fullmatch(r"detect-secrets>=([\d.]+),<([\d.]+)", spec).groups()  # type: ignore[union-attr]
    installed = tuple(int(x) for x in version("detect-secrets").split(".")[:2])
    assert tuple(int(x) for x in low.split(".")) <= installed < tuple(
        int(x) for x in high.split(".")), f"detect-secrets {installed} outside {spec}"


# What checks/secrets/ takes from detect-secrets beyond its documented API: module,
# name, and the keyword parameters it is called with. A new detect-secrets release
# that moves one of these must fail here, by name, before it fails a user's commit.
ENTRY_POINTS = {
    ("detect_secrets.core.scan", "_scan_line"):
        {"plugin", "filename", "line", "line_number", "context"},
    ("detect_secrets.core.scan", "_is_filtered_out"):
        {"required_filter_parameters"},
    ("detect_secrets.util.code_snippet", "CodeSnippet"):
        {"snippet", "start_line", "target_index"},
    ("detect_secrets.settings", "default_settings"): set(),
    ("detect_secrets.settings", "transient_settings"): {"config"},
    ("detect_secrets.settings", "get_plugins"): set(),
    ("detect_secrets.plugins.base", "RegexBasedDetector"): set(),
    ("detect_secrets.core.plugins.util", "get_mapping_from_secret_type_to_class"): set(),
}


def _secrets_source() -> str:
    return "".join(p.read_text(encoding="utf-8")
                   for p in sorted((PROJECT / "hooks/authgate/checks/secrets").glob("*.py")))


@pytest.mark.parametrize(("module", "name"), sorted(ENTRY_POINTS))
def test_detect_secrets_entry_point_authgate_uses_is_where_it_was(module: str,
                                                                   name: str) -> None:
    source = _secrets_source()
    assert name in source, f"{module}.{name} is no longer used: drop it from this table"
    mod = importlib.import_module(module)
    assert hasattr(mod, name), f"detect-secrets moved {module}.{name}: checks/secrets/ " \
                               "needs porting before this release is allowed"
    params = set(inspect.signature(getattr(mod, name)).parameters)
    missing = ENTRY_POINTS[(module, name)] - params
    assert not missing, f"{module}.{name} lost parameters {sorted(missing)}"


def test_detect_secrets_names_in_the_code_and_catalog_still_exist() -> None:
    import detect_secrets.filters  # noqa: F401
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    # Filters authgate names by dotted path (disabled or checked for).
    source = _secrets_source()
    paths = set(re.findall(r'"(detect_secrets\.filters\.\w+\.\w+)"', source))
    assert len(paths) >= 3
    for path in paths:
        module, _, attr = path.rpartition(".")
        assert callable(getattr(importlib.import_module(module), attr, None)), path
    # Every plugin class and secret type the leaks catalog maps a rule to.
    catalog = tomllib.loads((PROJECT / "hooks/authgate/rules/leaks.toml").read_text("utf-8"))
    mapping = get_mapping_from_secret_type_to_class()
    plugins = {cls.__name__: kind for kind, cls in mapping.items()}
    for rule in catalog["rule"]:
        params = rule.get("params", {})
        if "plugin" in params:
            assert plugins.get(params["plugin"]) == params["secret_type"], rule["id"]


# --- the built package ----------------------------------------------------------------

@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel and sdist `python -m build` makes of this tree (no network: the
    test extra installs the build backend)."""
    out = tmp_path_factory.mktemp("dist")
    src = tmp_path_factory.mktemp("src")
    # Build from a copy of the tracked files, as a release build from a clean clone.
    files = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        if (PROJECT / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            (src / rel).write_bytes((PROJECT / rel).read_bytes())
    proc = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir",
                           str(out), str(src)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return out


def test_wheel_carries_the_license_the_catalogs_and_current_license_metadata(
        dist: Path) -> None:
    from authgate import __version__

    (wheel,) = dist.glob("*.whl")
    assert wheel.name == f"authgate-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        info = f"authgate-{__version__}.dist-info"
        assert f"{info}/licenses/LICENSE" in names
        assert zf.read(f"{info}/licenses/LICENSE") == (PROJECT / "LICENSE").read_bytes()
        assert {f"authgate/rules/{c}" for c in CATALOGS} <= names
        assert "authgate/py.typed" in names
        metadata = zf.read(f"{info}/METADATA").decode()
    assert "License-Expression: MIT" in metadata
    assert "License-File: LICENSE" in metadata
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    runtime = {_name(r.split(":", 1)[1].strip()) for r in requires if "extra ==" not in r}
    assert runtime == {"ahocorasick-rs", "detect-secrets", "tomli"}


def test_installed_wheel_runs_and_reads_its_own_catalogs(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--disable-pip-version-check", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = ("import authgate, sys; print(authgate.__file__); "
            "from authgate.cli import main; sys.exit(main(['explain', 'leak.secret.aws-key']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    where, _, explained = proc.stdout.partition("\n")
    assert where.startswith(str(target))  # the wheel's copy, not this checkout
    assert "leak.secret.aws-key" in explained and "AWS access key" in explained


def test_sdist_carries_the_license_and_leaves_the_tests_out(dist: Path) -> None:
    from authgate import __version__

    (sdist,) = dist.glob("*.tar.gz")
    root = f"authgate-{__version__}"
    with tarfile.open(sdist) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    assert {"LICENSE", "README.md", "CHANGELOG.md", "SECURITY.md", "CONTRIBUTING.md",
            "pyproject.toml", ".pre-commit-hooks.yaml"} <= names, root
    assert {f"hooks/authgate/rules/{c}" for c in CATALOGS} <= names
    # The tests need git, the real pre-commit and the benchmark corpus: they run from
    # a clone (CONTRIBUTING.md), and a half-copied suite would only fail.
    assert not [n for n in names if n.startswith(("tests/", "bench/", ".ci/"))]


# --- a repository that stands alone ------------------------------------------------------

def _tracked_text() -> dict[str, str]:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    out = {}
    for rel in filter(None, files):
        path = PROJECT / rel
        if path.is_file():
            try:
                out[rel] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
    return out


def test_no_tracked_file_points_outside_the_repository() -> None:
    outside = "../" + "shared/"  # spelled apart so this file does not match itself
    offenders = [rel for rel, text in _tracked_text().items() if outside in text]
    assert offenders == []


def test_ci_script_names_no_machine_specific_path() -> None:
    script = (PROJECT / ".ci/run").read_text(encoding="utf-8")
    assert not re.search(r"/(root|home|Users)/", script)


def test_ci_finds_a_python_on_path_then_under_pyenv_skipping_a_broken_shim(
        tmp_path: Path) -> None:
    script = (PROJECT / ".ci/run").read_text(encoding="utf-8")
    function = script[script.index("find_python() {"):]
    function = function[:function.index("\n}\n") + 3]
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    shims = tmp_path / "shims"
    shims.mkdir()
    # A pyenv shim for a version that is not selected: on PATH, fails when run.
    shim = shims / f"python{version}"
    shim.write_text("#!/bin/sh\necho 'pyenv: version not installed' >&2\nexit 127\n")
    shim.chmod(0o755)
    real = tmp_path / f"pyenv/versions/{version}.99/bin/python{version}"
    real.parent.mkdir(parents=True)
    real.symlink_to(sys.executable)
    env = {"PATH": f"{shims}:/usr/bin:/bin", "PYENV_ROOT": str(tmp_path / "pyenv"),
           "HOME": str(tmp_path)}
    found = subprocess.run(["bash", "-c", f"{function}\nfind_python {version}"],
                           capture_output=True, text=True, env=env)
    assert found.returncode == 0, found.stderr
    # The interpreter itself (the symlink resolves to it), never the shim.
    assert Path(found.stdout.strip()).resolve() == Path(sys.executable).resolve()
    missing = subprocess.run(["bash", "-c", f"{function}\nfind_python 2.1"],
                             capture_output=True, text=True, env=env)
    assert (missing.returncode, missing.stdout) == (1, "")


def test_architecture_document_names_every_module() -> None:
    """docs/ARCHITECTURE.md has a paragraph per module: a module added without one fails
    here (a package such as checks/identity is named as the package)."""
    doc = (PROJECT / "docs/ARCHITECTURE.md").read_text(encoding="utf-8")
    package = PROJECT / "hooks/authgate"
    missing = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        if rel.name in ("__init__.py", "__main__.py") and len(rel.parts) <= 2:
            continue
        # commands/x.py is listed by name; checks/identity/lines.py (or the module it
        # was) as the package `checks/identity`; anything else by its path.
        if rel.parts[0] == "commands":
            names = {f"`{rel.stem}`"}
        elif len(rel.parts) > 2:
            names = {f"`{'/'.join(rel.parts[:2])}`"}
        else:
            names = {f"`{rel.as_posix()}`", f"`{rel.with_suffix('').as_posix()}`"}
        if not any(n in doc for n in names):
            missing.append(str(rel))
    assert missing == [], "describe these in docs/ARCHITECTURE.md"
    assert "](docs/ARCHITECTURE.md)" in (PROJECT / "README.md").read_text(encoding="utf-8")
