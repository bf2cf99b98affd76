"""The extension's data stays in step with the Python side: shared test vectors, the bundled snapshot."""

from __future__ import annotations

import json
from pathlib import Path

from scanner.identify import Identifier
from scanner.identify.catalog import snapshot

ROOT = Path(__file__).resolve().parents[1]


def test_shared_vectors_hold_for_the_python_engine(engine: Identifier) -> None:
    vectors = json.loads((ROOT / "tests" / "extension" / "vectors.json").read_text(encoding="utf-8"))
    assert len(vectors) >= 15
    for v in vectors:
        got = engine.identify(v["text"], **v.get("fields", {}))
        assert got.flagged == v["flagged"], (v, got.explanation)
        if v["flagged"]:
            assert got.vendor == v["vendor"], v
        if "relation" in v:
            assert got.relation == v["relation"], (v, got.relation)


def test_bundled_snapshot_is_current() -> None:
    body, _ = snapshot()
    bundled = (ROOT / "extension" / "data" / "snapshot.json").read_bytes()
    assert json.loads(bundled) == json.loads(body), (
        "extension/data/snapshot.json is stale: regenerate it with "
        "sponsorwatch kb export -o extension/data/snapshot.json")


def test_manifest_is_narrow_and_has_no_remote_code() -> None:
    manifest = json.loads((ROOT / "extension" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["manifest_version"] == 3
    assert set(manifest["permissions"]) <= {"storage", "alarms"}
    assert all(p.startswith(("http://127.0.0.1", "http://localhost")) for p in manifest["host_permissions"])
    assert manifest["browser_specific_settings"]["gecko"]["id"]
    for js in (ROOT / "extension").rglob("*.js"):
        text = js.read_text(encoding="utf-8")
        assert "innerHTML" not in text and "eval(" not in text and "new Function" not in text, js
