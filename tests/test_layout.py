"""The tree shows the architecture: thin commands, the server imported only inside its commands, the docs name
every package, and nothing in the repo points outside it."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMMAND = ROOT / "sponsorwatch"
# Paths of the research notes this project was started from; they live outside the repo and must not be cited.
OUTSIDE = re.compile("|".join(re.escape(s) for s in ("../" + "shared", "shared" + "/research", "shared" + "/context",
                                                    "shared" + "/DESIGN", "fingerprints" + ".md", "sponsors" + ".md",
                                                    "extensions" + ".md", "DESIGN" + ".md")))
TEXT_SUFFIXES = {".py", ".toml", ".md", ".txt", ".js", ".mjs", ".json", ".html", ".css", ".cfg", ".mako", ""}


def _module_level_imports(path: Path) -> set[str]:
    """Top-level package names imported at module level (not inside a function)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_the_command_imports_the_server_only_inside_its_commands() -> None:
    modules = sorted(COMMAND.glob("*.py"))
    assert {m.stem for m in modules} >= {"main", "lookup", "scan", "lab", "plan", "kb", "server"}
    for module in modules:
        assert not _module_level_imports(module) & {"server", "flask", "werkzeug", "gunicorn"}, module.name


def test_command_modules_are_thin() -> None:
    """Parsing and rendering only: no SQL, no HTTP client, no discovery engine of their own in the commands."""
    for module in COMMAND.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert not imported & {"sqlalchemy", "httpx", "nmap", "zeroconf", "scanner.storage.schema",
                               "scanner.discovery.udp", "scanner.discovery.banners"}, module.name


def test_nothing_in_the_repo_points_outside_it() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    offenders = []
    for name in tracked.splitlines():
        path = ROOT / name
        if path.suffix not in TEXT_SUFFIXES or "node_modules" in path.parts or not path.is_file():
            continue
        if path.name in ("package-lock.json",):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{name}:{n}: {line.strip()[:100]}")
    assert offenders == []


def test_architecture_doc_names_every_package_and_module_it_routes_readers_to() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    tree = doc.split("## The tree", 1)[1].split("##", 1)[0]
    entries = [f"{p.name}/" for p in (ROOT / "scanner").iterdir() if (p / "__init__.py").exists()]
    entries += [p.name for p in (ROOT / "scanner").glob("*.py") if p.stem != "__init__"]
    for entry in entries:
        assert f"  {entry} " in tree, f"scanner/{entry} is missing from the tree in docs/architecture.md"
    for name in ("server/api", "server/web", "server/commands.py", "sponsorwatch/", "extension/", "tests/", "bench/"):
        assert name in doc, name
    for path in re.findall(r"`((?:scanner|server|sponsorwatch|extension|tests|docs|bench)/[\w./-]*)`", doc):
        assert (ROOT / path.rstrip("/")).exists(), f"docs/architecture.md names {path}, which does not exist"


@pytest.mark.parametrize("argv", [["--version"], ["kb", "check"]])
def test_the_command_and_its_aliases_run(argv: list[str]) -> None:
    out = subprocess.run([sys.executable, "-m", "sponsorwatch", *argv], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    if argv == ["--version"]:
        assert re.fullmatch(r"sponsorwatch \S+\n", out.stdout)
    else:
        alias = subprocess.run([sys.executable, "-m", "scanner.knowledge", "check"], capture_output=True, text=True,
                               timeout=120)
        assert alias.returncode == 0 and alias.stdout == out.stdout


def test_every_command_has_help() -> None:
    from sponsorwatch.main import build_parser

    parser = build_parser()
    actions = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    commands = actions[0].choices  # type: ignore[attr-defined]
    assert set(commands) >= {"lookup", "scan", "demo", "lab", "plan", "kb", "serve", "db", "token"}
    for name, sub in commands.items():
        assert sub.format_help().strip(), name
