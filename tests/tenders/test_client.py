"""The Prozorro client against the local Prozorro: paging, tenderID resolution, and every fault — 429 with
Retry-After, 500s, JSON cut short, a slow server, documents over the cap, hosts outside the allow-list."""

from __future__ import annotations

import datetime as dt

import pytest

from scanner.tenders.client import FetchError, NotFound, ProzorroClient, Refused, retry_after_s, since_offset
from tests.tenders.conftest import options
from tests.tenders.replay import Fault, Replay, serve
from tests.tenders.scenarios import Builder, item


def test_feed_pages_forward_with_offsets(replay: Replay, builder: Builder) -> None:
    made = [builder.tender(f"Тендер {n}", [item("Камера")]) for n in range(7)]
    seen: list[str] = []
    with ProzorroClient(options(replay)) as client:
        page = client.feed(limit=3)
        assert set(page) == {"data", "next_page"}
        assert set(page["next_page"]) == {"offset", "path", "uri"}
        assert set(page["data"][0]) >= {"id", "dateModified", "tenderID", "status", "procuringEntity"}
        while page["data"]:
            seen += [row["id"] for row in page["data"]]
            page = client.feed(page["next_page"]["offset"], limit=3)
        assert seen == [t["id"] for t in made]
        # the newest, from one descending page, and a start time given as a bare Unix time
        newest = client.feed(descending=True, limit=1)
        assert newest["data"][0]["id"] == made[-1]["id"]
        assert client.feed(newest["prev_page"]["offset"])["data"] == []
        assert len(client.feed(since_offset(dt.date(2023, 11, 14)))["data"]) == 7


def test_tender_id_is_resolved_through_the_portal(replay: Replay, builder: Builder) -> None:
    t = builder.tender("Камери", [item("Камера")])
    with ProzorroClient(options(replay)) as client:
        assert client.resolve(t["tenderID"]) == t["id"]
        with pytest.raises(NotFound):
            client.resolve("UA-2024-01-01-999999-a")


def test_429_waits_as_long_as_retry_after_says(replay: Replay, builder: Builder) -> None:
    t = builder.tender("Камери", [item("Камера")])
    path = f"/api/2.5/tenders/{t['id']}"
    replay.fault(path, Fault(status=429, headers={"Retry-After": "1"}))
    with ProzorroClient(options(replay)) as client:
        assert client.tender(t["id"])["id"] == t["id"]
    times = [at for at, _, p in replay.requests(path)]
    assert len(times) == 2
    assert times[1] - times[0] >= 0.95  # the 50 ms backoff was not used: Retry-After was


def test_500s_then_success_and_then_giving_up(replay: Replay, builder: Builder) -> None:
    t = builder.tender("Камери", [item("Камера")])
    path = f"/api/2.5/tenders/{t['id']}"
    replay.fault(path, Fault(status=500), Fault(status=503), Fault(status=502))
    with ProzorroClient(options(replay)) as client:
        assert client.tender(t["id"])["title"] == "Камери"
        assert len(replay.requests(path)) == 4
        replay.fault(path, *[Fault(status=500)] * 4)
        with pytest.raises(FetchError, match=r"failed after 4 tries \(HTTP 500"):
            client.tender(t["id"])


def test_json_cut_short_is_fetched_again(replay: Replay, builder: Builder) -> None:
    t = builder.tender("Камери", [item("Камера")])
    path = f"/api/2.5/tenders/{t['id']}"
    replay.fault(path, Fault(truncate=True), Fault(cut=True))
    with ProzorroClient(options(replay)) as client:
        assert client.tender(t["id"])["id"] == t["id"]
    assert len(replay.requests(path)) == 3
    replay.fault(path, *[Fault(truncate=True)] * 4)
    with ProzorroClient(options(replay)) as client, pytest.raises(FetchError, match="not valid JSON"):
        client.tender(t["id"])


def test_a_slow_answer_times_out_and_is_retried(replay: Replay, builder: Builder) -> None:
    t = builder.tender("Камери", [item("Камера")])
    path = f"/api/2.5/tenders/{t['id']}"
    replay.fault(path, Fault(delay_s=1.5))
    with ProzorroClient(options(replay, timeout_s=0.5)) as client:
        assert client.tender(t["id"])["id"] == t["id"]
    assert len(replay.requests(path)) == 2


def test_documents_over_the_cap_are_not_read(replay: Replay) -> None:
    declared = replay.put_document("big1", b"x" * 300_000)
    chunked = replay.put_document("big2", b"x" * 300_000, declare_length=False)
    with ProzorroClient(options(replay, max_document_bytes=100_000)) as client:
        for url in (declared, chunked):
            with pytest.raises(Refused) as exc:
                client.document(url)
            assert exc.value.reason == "too-large"
        assert client.document(replay.put_document("small", b"y" * 1000)) == b"y" * 1000


def test_hosts_outside_the_allow_list_are_never_contacted(replay: Replay) -> None:
    outside = Replay()
    with serve(outside, "127.0.0.9") as other:
        outside.put_document("d", b"secret")
        with ProzorroClient(options(replay)) as client:
            with pytest.raises(Refused) as exc:
                client.document(f"{other}/get/d")
            assert exc.value.reason == "outside-allow-list"
            # a document host on the list is fetched
            allowed = ProzorroClient(options(replay, document_hosts=(other.split("//")[1],)))
            assert allowed.document(f"{other}/get/d") == b"secret"
            allowed.close()
        assert len(outside.log) == 1  # only the allowed client's request


def test_a_redirect_is_checked_hop_by_hop(replay: Replay) -> None:
    outside = Replay()
    with serve(outside, "127.0.0.9") as other:
        replay.fault("/get/r", Fault(status=302, headers={"Location": f"{other}/get/x"}))
        with ProzorroClient(options(replay)) as client, pytest.raises(Refused, match="not on the allow-list"):
            client.document(f"{replay.base}/get/r")
        assert outside.log == []


def test_retry_after_forms() -> None:
    assert retry_after_s("7") == 7.0
    assert retry_after_s("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert retry_after_s("soon") is None and retry_after_s(None) is None
