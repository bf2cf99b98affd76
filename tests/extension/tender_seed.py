"""Put one audited Prozorro tender into an inventory, for the extension's end-to-end test of a tender page: the tender
(in the official docs' shape, tests/tenders/scenarios.py) is served by the local Prozorro replay on loopback, with a
real .docx tech spec naming a Dahua camera "або еквівалент" in its third paragraph, then judged by the real auditor
and saved as `sponsorwatch tenders check --db` saves it. Prints the tender's tenderID.

    python -m tests.extension.tender_seed sqlite:///path/inventory.db     (from the repository root)
"""

from __future__ import annotations

import sys

from scanner.storage import Inventory
from scanner.tenders import AuditOptions, ClientOptions, ProzorroClient, TenderAuditor
from tests.tenders.replay import Replay, serve
from tests.tenders.scenarios import DOCX, Builder, document, docx_bytes, item

SPEC = "Технічна специфікація.docx"
SPEC_LINE = "Камера Dahua IPC-HFW2431S-S-S2 або еквівалент, 4 Мп, ІЧ-підсвічування 30 м"


def seed(db: str) -> str:
    replay = Replay()
    with serve(replay):
        builder = Builder(replay)
        body = docx_bytes(["Технічні вимоги до товару", "Загальні вимоги", SPEC_LINE])
        tender = builder.tender("Відеокамери для шкіл", [item("Відеокамера IP 4 Мп")],
                                documents=[document(replay, SPEC, body, DOCX)])
        options = ClientOptions(api=f"{replay.base}/api/2.5", portal=replay.base, document_hosts=(), tries=2,
                                backoff_s=0.05, max_backoff_s=0.2, rate_per_s=0.0, timeout_s=5.0)
        with ProzorroClient(options) as client:
            result = TenderAuditor(client, AuditOptions(documents=True)).check(tender["id"]).to_dict()
    Inventory(db).save_tender(result, "check")
    return str(result["tenderID"])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(seed(sys.argv[1]))
