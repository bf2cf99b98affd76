"""The extension's data stays in step with the Python side: shared test vectors, the bundled snapshot, and the
offline brand matcher (extension/lib/brands.js) answering as scanner/identify/brands.py on every real title."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from scanner.identify import Identifier
from scanner.identify.brands import BrandMatcher
from scanner.identify.catalog import snapshot
from scanner.knowledge import load

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
        if "brand" in v:
            assert got.brand == v["brand"], (v, got.brand)


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


def _brand_inputs() -> list[dict[str, Any]]:
    """Every real brand-corpus title, alone and with its product group as the page's category; every brand's own
    examples and counter-examples; each brand's name and last spelling as the page's brand field."""
    kb = load()
    rows: list[dict[str, Any]] = []
    for line in (ROOT / "tests" / "data" / "real_brand_titles.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            parts = line.split("\t")
            rows += [{"text": parts[3]}, {"text": parts[3], "category": parts[2]}]
    for b in kb.brands:
        rows += [{"text": ex} for ex in (*b.examples, *b.counter_examples)]
        rows += [{"text": "Товар", "brand": b.name}, {"text": "Товар 500 г", "brand": b.spellings[-1], "category": "Шоколад"}]
    return rows


def test_offline_brand_matcher_answers_as_the_python_one() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (the extension's tests need it too)")
    today = dt.date.today().isoformat()
    rows = _brand_inputs()
    run = subprocess.run([node, str(ROOT / "tests" / "extension" / "brand_oracle.mjs"), today], input=json.dumps(rows),
                         capture_output=True, text=True, check=True, timeout=120)
    got = json.loads(run.stdout)
    matcher = BrandMatcher(load(), today)
    assert len(got) == len(rows)
    found = 0
    for row, js in zip(rows, got, strict=True):
        m = matcher.match(row["text"], brand=row.get("brand"), category=row.get("category"))
        want = m and {"brand": m.brand.id, "term": m.term, "span": list(m.span) if m.span else None, "kinds": list(m.kinds),
                      "type_word": m.type_word, "score": m.score, "sold": m.sold}
        assert js == want, row
        found += m is not None
    assert found > 1000  # most rows name a brand: the agreement is not the trivial one of two matchers finding nothing
