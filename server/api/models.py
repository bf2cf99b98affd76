"""The API's request and response models (pydantic v2): one schema for validation and for the OpenAPI document.

The uploaded device model is derived from the device record, `DeviceVerdict` in scanner/identify/device.py (its
fields, types and defaults, in order): a field added there appears here, and a field of a type this module does
not know how to check stops the server at import rather than letting unchecked data through. The record's nested
lists (evidence, CVEs, designations) get the models below: the keys the dashboard, the overview and the plans read
are typed, other keys are kept when they are plain JSON (finite numbers, 64-bit integers, strings, lists, objects).
"""

from __future__ import annotations

import dataclasses
import math
import typing
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    create_model,
)

from scanner.identify.device import IDENTITY_FIELDS, RECORD_FIELDS, DeviceVerdict
from scanner.storage import STATUSES

INT64 = (-(2**63), 2**63 - 1)


def _plain_json(value: Any) -> Any:
    """Free-form JSON (scan options and stats, other keys of nested records): strings, booleans, null, finite
    numbers, integers of 64 bits, lists and objects of those. Walked without recursion (depth is bounded by the
    parser); no NaN or infinity is ever stored, so the API never has to emit one."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, float):
            if not math.isfinite(v):
                raise ValueError("numbers must be finite")
        elif isinstance(v, int) and not isinstance(v, bool):
            if not INT64[0] <= v <= INT64[1]:
                raise ValueError("integers must fit in 64 bits")
        elif not (v is None or isinstance(v, (bool, str))):
            raise ValueError("must be plain JSON")
    return value


Finite = Annotated[float, Field(allow_inf_nan=False)]
Json: TypeAlias = Annotated[Any, AfterValidator(_plain_json)]

Text = Annotated[str, StringConstraints(max_length=20_000)]
Short = Annotated[str, StringConstraints(max_length=256)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=256)]

OPEN = ConfigDict(strict=True, extra="allow")  # nested parts of the record: other keys kept if plain JSON


class Source(BaseModel):
    model_config = OPEN
    __pydantic_extra__: dict[str, Json]
    title: Text | None = None
    url: Text | None = None
    ref: Text | None = None


class Designation(BaseModel):
    """A listing of the maker (NACP, NDAA §889, FCC Covered List, …) as the knowledge base words it."""

    model_config = OPEN
    __pydantic_extra__: dict[str, Json]
    id: Name
    authority: Text | None = None
    title: Text | None = None
    short: Text | None = None
    entity: Short | None = None
    entity_name: Short | None = None
    applies_via: Short | None = None
    date: Short | None = None
    status: Short | None = None
    summary: Text | None = None
    sources: Annotated[list[Source], Field(max_length=100)] = []


class Cve(BaseModel):
    """A CVE judged from the device's firmware."""

    model_config = OPEN
    __pydantic_extra__: dict[str, Json]
    id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    title: Text | None = None
    summary: Text | None = None
    cvss: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] | None = None
    kev: StrictBool = False
    kev_added: Short | None = None
    confidence: Short | None = None
    sources: Annotated[list[Short], Field(max_length=100)] = []


class Evidence(BaseModel):
    """One observation behind a device verdict."""

    model_config = OPEN
    __pydantic_extra__: dict[str, Json]
    source: Name
    detail: Text = ""
    vendor: Short | None = None
    weight: Finite | None = None


# --- the device record, derived from DeviceVerdict ----------------------------------------------------------------

NESTED: dict[str, type[BaseModel]] = {"evidence": Evidence, "cves": Cve, "designations": Designation}
LIST_LIMIT = {"evidence": 500, "cves": 500, "designations": 100, "risks": 100, "ports": 65_536}
BOUNDS: dict[str, Any] = {"confidence": Field(ge=0, le=1), "ports": (0, 65_535)}
IP = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=45)]
Identity = Annotated[str, StringConstraints(max_length=128)]  # the inventory's columns hold 128 characters


def _field_type(name: str, hint: Any) -> Any:
    """The checked type of one field of the device record, from its annotation in DeviceVerdict."""
    if name == "ip":
        return IP
    if hint == str | None:
        return (Identity if name in IDENTITY_FIELDS else Text) | None
    if hint is str:
        return Text
    if hint is bool:
        return StrictBool
    if hint is float:
        return Annotated[float, Field(allow_inf_nan=False), BOUNDS.get(name, Field())]
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is list:
        inner = args[0]
        if inner is str:
            item: Any = Text
        elif inner is int:
            low, high = BOUNDS.get(name, INT64)
            item = Annotated[StrictInt, Field(ge=low, le=high)]
        elif typing.get_origin(inner) is dict and name in NESTED:
            item = NESTED[name]
        else:
            raise TypeError(f"the device record's field {name} ({hint}) has no checked type in server/api/models.py")
        return Annotated[list[item], Field(max_length=LIST_LIMIT.get(name, 1000))]
    raise TypeError(f"the device record's field {name} ({hint}) has no checked type in server/api/models.py")


def _device_fields() -> dict[str, Any]:
    hints = typing.get_type_hints(DeviceVerdict)
    out: dict[str, Any] = {}
    for f in dataclasses.fields(DeviceVerdict):
        if f.name not in RECORD_FIELDS:
            continue
        if f.default is not dataclasses.MISSING:
            default: Any = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = Field(default_factory=f.default_factory)
        else:
            default = ...
        out[f.name] = (_field_type(f.name, hints[f.name]), default)
    return out


# Unknown top-level keys (a newer agent's) are dropped; every field of the record is kept, checked.
DeviceIn = create_model("DeviceIn", __config__=ConfigDict(strict=True, extra="ignore"),
                        __doc__="A device record as `sponsorwatch scan` makes it (scanner/identify/device.py)",
                        **_device_fields())


class ScanMeta(BaseModel):
    """The scan's header as the agent saved it."""

    model_config = OPEN
    __pydantic_extra__: dict[str, Json]
    id: Annotated[str, StringConstraints(min_length=1, max_length=36)] | None = None
    status: Annotated[str, StringConstraints(max_length=16)] = "finished"
    targets: Annotated[list[Short], Field(max_length=10_000)] = []
    options: dict[str, Json] = {}
    stats: dict[str, Json] = {}


SiteName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


class ScanHeader(BaseModel):
    """Everything of an upload but its devices (validated first; the devices one by one after)."""

    model_config = ConfigDict(strict=True, extra="ignore")
    site: SiteName
    scan: ScanMeta = Field(default_factory=lambda: ScanMeta.model_validate({}))


class ScanUpload(ScanHeader):
    """POST /scans: a site's scan (idempotent on scan.id; an agent token uploads for its own site only)."""

    devices: list[DeviceIn]  # type: ignore[valid-type]


class ScanStored(BaseModel):
    scan_id: str
    site: str
    devices: int
    uploaded_by: str


class LookupItem(BaseModel):
    """A text with the structured fields of a product page (other keys are ignored)."""

    model_config = ConfigDict(strict=True, extra="ignore")
    text: StrictStr
    brand: StrictStr | None = None
    model: StrictStr | None = None
    mpn: StrictStr | None = None
    category: StrictStr | None = None  # the page's category or breadcrumbs (evidence for consumer brands)


class LookupRequest(BaseModel):
    """POST /lookup: texts, or texts with the structured fields of a product page."""

    model_config = ConfigDict(strict=True, extra="ignore")
    items: Annotated[list[StrictStr | LookupItem], Field(min_length=1)]


class Verdict(BaseModel):
    """What `sponsorwatch lookup --json` prints for one text."""

    model_config = ConfigDict(extra="allow")
    text: str
    flagged: bool
    vendor: str | None
    brand: str | None
    relation: str | None
    confidence: float
    device_class: str | None = None
    model: str | None = None
    designations: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    explanation: str


class LookupResult(BaseModel):
    result: Verdict


class LookupResults(BaseModel):
    results: list[Verdict]


class FeedbackIn(BaseModel):
    """POST /feedback: a wrong-flag report (the text and the verdict only)."""

    model_config = ConfigDict(strict=True, extra="ignore")
    text: StrictStr
    verdict: dict[str, Json] = {}
    note: StrictStr = ""


Status: TypeAlias = Literal["active", "replaced", "isolated", "risk-accepted"]
assert typing.get_args(Status) == STATUSES, "Status must list scanner.storage.STATUSES"


class StatusIn(BaseModel):
    """POST /devices/{id}/status (admin)."""

    model_config = ConfigDict(strict=True, extra="ignore")
    status: Status
    note: Annotated[str, StringConstraints(max_length=2000)] = ""


class AuditEntry(BaseModel):
    id: int
    at: str
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    address: str | None


class AuditPage(BaseModel):
    entries: list[AuditEntry]
    total: int


class TenderCheckIn(BaseModel):
    """POST /tenders/check (viewer): one tender by API id, UA-… tender id or prozorro.gov.ua URL."""

    model_config = ConfigDict(strict=True, extra="ignore")
    id: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    documents: StrictBool = True


class TenderFinding(BaseModel):
    """Where a sponsor's name or model was found in a tender, and what the engine made of it."""

    model_config = ConfigDict(extra="allow")
    where: Literal["title", "description", "item", "lot", "document", "award", "contract"]
    ref: str
    excerpt: str
    vendor: str | None
    brand: str | None
    relation: str | None
    confidence: float
    model: str | None
    flagged: bool
    why: str
    position: str | None = None


class TenderDocument(BaseModel):
    """What became of one tender document: read, skipped, unsupported, refused (size cap, allow-list, zip bomb)
    or failed (malformed, encrypted, unreachable)."""

    model_config = ConfigDict(extra="allow")
    id: str
    title: str
    url: str | None
    status: Literal["read", "skipped", "unsupported", "refused", "failed", "not-fetched"]
    reason: str | None
    message: str | None
    findings: int


class TenderOut(BaseModel):
    """One judged tender (`sponsorwatch tenders check --format json` gives a list of these)."""

    model_config = ConfigDict(extra="allow")
    id: str
    tenderID: str | None
    title: str
    buyer: dict[str, Any]
    status: str | None
    value: dict[str, Any]
    flagged: bool
    vendors: list[str]
    findings: list[TenderFinding]
    documents: list[TenderDocument]
    notes: list[str]
    dateModified: str | None
    url: str | None
    checked_at: str | None = None


class TenderRow(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    tender_id: str | None
    title: str
    buyer_name: str | None
    buyer_edrpou: str | None
    status: str | None
    amount: float | None
    currency: str | None
    flagged: bool
    vendors: list[str]
    findings: int
    cpv: list[str]


class TenderPage(BaseModel):
    tenders: list[TenderRow]
    total: int


class ErrorBody(BaseModel):
    code: str
    message: str


class Error(BaseModel):
    error: ErrorBody
