"""Text out of tender documents (.docx, .pdf, .xlsx, .txt, and .zip archives of them), with limits. Pure: bytes in,
text segments with their position out.

Hostile or broken files end in a `DocumentProblem` with a reason, never in a crash or an unbounded read:
- ZIP containers (.docx, .xlsx, .zip) are checked before any parser opens them: member count, the sum of the
  members' declared sizes and each member's compression ratio. A member's declared size bounds what zipfile
  will inflate (it stops there, and a lie fails the CRC check), so a zip bomb is refused from its directory;
- PDFs are read page by page up to a page cap; pypdf bounds every stream it inflates (pypdf.filters
  ZLIB_MAX_OUTPUT_LENGTH and friends); encrypted ones are tried with the empty password only;
- every document has a time budget, checked between pages, paragraphs and rows, and a cap on the text kept;
- the parsers (python-docx, pypdf, openpyxl through defusedxml) raise many kinds of errors on malformed input;
  all of them become a "malformed" problem naming the library's complaint.
Legacy binary .doc/.xls, .rtf, .odt, .rar and .7z have no maintained pure-Python reader here: reported as
unsupported, not guessed at.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

MiB = 1024 * 1024
SIGNATURES = (".p7s", ".sig", ".asics", ".asice", ".p7m")
SIGNATURE_FORMATS = ("application/pkcs7-signature", "application/pkcs7-mime")
IMAGES = (".jpg", ".jpeg", ".png", ".gif", ".tif", ".tiff", ".bmp", ".webp")
UNSUPPORTED = {".doc": "legacy Word (.doc)", ".xls": "legacy Excel (.xls)", ".rtf": "RTF", ".odt": "OpenDocument text",
               ".ods": "OpenDocument spreadsheet", ".rar": "RAR archive", ".7z": "7-Zip archive"}
READABLE = (".docx", ".docm", ".pdf", ".xlsx", ".xlsm", ".txt", ".csv", ".zip")
FORMATS = {  # MIME type → the extension it stands for, when the title has none
    "application/pdf": ".pdf", "application/zip": ".zip", "application/x-zip-compressed": ".zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/msword": ".doc", "application/vnd.ms-excel": ".xls", "text/plain": ".txt",
}
SEGMENT_CHARS = 4000  # a longer paragraph or page is judged in pieces of about this size


@dataclass
class Limits:
    max_members: int = 5000
    max_unzipped_bytes: int = 100 * MiB  # sum of the declared sizes of a container's members
    max_ratio: float = 150.0  # a member larger than ratio_floor inflating more than this is a bomb
    ratio_floor_bytes: int = 1 * MiB
    max_pdf_pages: int = 300
    max_rows: int = 50_000  # spreadsheet rows, all sheets together
    max_chars: int = 2_000_000  # text kept per document
    max_seconds: float = 30.0  # parsing budget per document
    archive_depth: int = 1  # a .zip inside a .zip is read; deeper ones are not


@dataclass
class Segment:
    position: str  # "page 3", "paragraph 12", "table 2, row 4", "sheet 'Лист1', row 7"; archive members prefixed
    text: str


@dataclass
class Extracted:
    kind: str
    segments: list[Segment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was left unread, and why

    @property
    def chars(self) -> int:
        return sum(len(s.text) for s in self.segments)


class DocumentProblem(Exception):
    """A document that was not read: reason is unsupported | malformed | zip-bomb | encrypted | too-large."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message


def extension(title: str | None, fmt: str | None = None) -> str:
    """The extension that says what a document is: from its title, else from its MIME type."""
    ext = PurePosixPath((title or "").strip().lower()).suffix
    if ext:
        return ext
    return FORMATS.get((fmt or "").split(";")[0].strip().lower(), "")


def plan(title: str | None, fmt: str | None) -> tuple[str, str]:
    """Whether to fetch a document: ("read", ext), ("skip", why) for signatures and images (no text to read),
    or ("unsupported", what) for formats no reader here opens."""
    ext = extension(title, fmt)
    if ext in SIGNATURES or (fmt or "").lower() in SIGNATURE_FORMATS:
        return "skip", "electronic signature"
    if ext in IMAGES:
        return "skip", "image (no text layer to read)"
    if ext in UNSUPPORTED:
        return "unsupported", f"{UNSUPPORTED[ext]}: no maintained reader for this format here"
    if ext in READABLE:
        return "read", ext
    return "unsupported", f"format {ext or fmt or 'unknown'} is not read"


class _Budget:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.max_seconds
        self.chars = 0
        self.notes: list[str] = []
        self.full = False

    def expired(self) -> bool:
        if time.monotonic() > self.deadline:
            self.note(f"stopped after {self.limits.max_seconds:g} s of parsing (the time budget)")
            return True
        return False

    def take(self, text: str) -> str | None:
        """The text to keep (cut at the character cap), or None once the cap is reached."""
        if self.full:
            return None
        room = self.limits.max_chars - self.chars
        if len(text) >= room:
            self.full = True
            self.note(f"text cut at {self.limits.max_chars:,} characters")
            text = text[:room]
        self.chars += len(text)
        return text

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


def extract(title: str | None, data: bytes, fmt: str | None = None, limits: Limits | None = None) -> Extracted:
    """The text segments of a document. Raises DocumentProblem for what cannot or may not be read."""
    limits = limits or Limits()
    budget = _Budget(limits)
    kind, segments = _extract(title, data, fmt, budget, depth=0)
    return Extracted(kind=kind, segments=list(_split_long(segments)), notes=budget.notes)


def _extract(title: str | None, data: bytes, fmt: str | None, budget: _Budget, depth: int) -> tuple[str, list[Segment]]:
    head = data[:8]
    if head.startswith(b"%PDF-"):
        return "pdf", _guarded("PDF", _pdf, data, budget)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(title, data, budget, depth)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise DocumentProblem("unsupported", "a legacy Office binary file (.doc/.xls): no maintained reader for "
                                             "this format here")
    ext = extension(title, fmt)
    if ext in (".txt", ".csv"):
        return "text", _text(data, budget)
    if ext in (".pdf", ".docx", ".docm", ".xlsx", ".xlsm", ".zip"):
        raise DocumentProblem("malformed", f"the file is not a {ext} (its first bytes are {head[:4]!r})")
    raise DocumentProblem("unsupported", f"format {ext or 'unknown'} is not read")


def _zip_kind(title: str | None, data: bytes, budget: _Budget, depth: int) -> tuple[str, list[Segment]]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise DocumentProblem("malformed", f"not a readable ZIP container ({exc})") from None
    with zf:
        _check_zip(zf, budget.limits)
        names = set(zf.namelist())
    if "word/document.xml" in names:
        return "docx", _guarded("Word document", _docx, data, budget)
    if "xl/workbook.xml" in names:
        return "xlsx", _guarded("spreadsheet", _xlsx, data, budget)
    return "zip", _archive(data, budget, depth)


def _check_zip(zf: zipfile.ZipFile, limits: Limits) -> None:
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise DocumentProblem("zip-bomb", f"{len(infos):,} members in one archive (the limit is "
                                          f"{limits.max_members:,})")
    total = sum(i.file_size for i in infos)
    if total > limits.max_unzipped_bytes:
        raise DocumentProblem("zip-bomb", f"its members would unpack to {total:,} bytes (the limit is "
                                          f"{limits.max_unzipped_bytes:,})")
    for info in infos:
        if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise DocumentProblem("zip-bomb", f"member {info.filename[:80]!r} inflates {info.compress_size:,} bytes "
                                              f"to {info.file_size:,} (more than {limits.max_ratio:g}×)")


def _guarded(what: str, reader: object, data: bytes, budget: _Budget) -> list[Segment]:
    """Run a third-party parser; whatever it raises on a malformed file becomes a DocumentProblem. The parsers
    raise many unrelated types on hostile input (KeyError, struct.error, lxml errors, RecursionError, …), so the
    net is deliberately wide here and only here."""
    try:
        return list(reader(data, budget))  # type: ignore[operator]
    except DocumentProblem:
        raise
    except Exception as exc:  # see the docstring
        raise DocumentProblem("malformed", f"the {what} could not be parsed ({exc.__class__.__name__}: "
                                           f"{str(exc)[:120]})") from None


def _docx(data: bytes, budget: _Budget) -> Iterator[Segment]:
    import docx
    from docx.table import Table

    document = docx.Document(io.BytesIO(data))
    paragraph = table = 0
    for block in document.iter_inner_content():
        if budget.expired():
            return
        if isinstance(block, Table):
            table += 1
            for r, row in enumerate(block.rows, 1):
                cells: list[str] = []
                for cell in row.cells:
                    text = cell.text.strip()
                    if text and (not cells or cells[-1] != text):  # merged cells repeat their text
                        cells.append(text)
                if cells and (kept := budget.take(" | ".join(cells))) is not None:
                    yield Segment(f"table {table}, row {r}", kept)
                if budget.full:
                    return
        else:
            paragraph += 1
            text = block.text.strip()
            if text and (kept := budget.take(text)) is not None:
                yield Segment(f"paragraph {paragraph}", kept)
            if budget.full:
                return


_SENTENCE_END = re.compile(r"[.;:!?…]\s*$")


def reflow(lines: list[str]) -> list[str]:
    """PDF text lines rejoined where a sentence was only wrapped (the next line starts in lower case), so
    "Hikvision DS-2CD1043G2-I" / "або еквівалент" on two lines is still read as one specification."""
    out: list[str] = []
    for line in (x.strip() for x in lines):
        if not line:
            continue
        if out and not _SENTENCE_END.search(out[-1]) and line[:1].islower():
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return out


def _pdf(data: bytes, budget: _Budget) -> Iterator[Segment]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        try:
            ok = bool(reader.decrypt(""))
        except Exception:  # unsupported ciphers raise their own types
            ok = False
        if not ok:
            raise DocumentProblem("encrypted", "the PDF is encrypted with a password")
    count = len(reader.pages)
    if count > budget.limits.max_pdf_pages:
        budget.note(f"read {budget.limits.max_pdf_pages} of {count} pages (the page cap)")
    for n in range(min(count, budget.limits.max_pdf_pages)):
        if budget.expired():
            return
        text = reader.pages[n].extract_text() or ""
        for line in reflow(text.splitlines()):
            kept = budget.take(line)
            if kept is None:
                return
            yield Segment(f"page {n + 1}", kept)


def _xlsx(data: bytes, budget: _Budget) -> Iterator[Segment]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = 0
    try:
        for sheet in workbook.worksheets:
            for r, row in enumerate(sheet.iter_rows(values_only=True), 1):
                rows += 1
                if rows > budget.limits.max_rows:
                    budget.note(f"read the first {budget.limits.max_rows:,} rows (the row cap)")
                    return
                if rows % 500 == 0 and budget.expired():
                    return
                cells = [str(v).strip() for v in row if v is not None and str(v).strip()]
                if cells and (kept := budget.take(" | ".join(cells))) is not None:
                    yield Segment(f"sheet {sheet.title!r}, row {r}", kept)
                if budget.full:
                    return
    finally:
        workbook.close()


def _text(data: bytes, budget: _Budget) -> list[Segment]:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = data.decode("utf-8", errors="replace")
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            kept = budget.take(line.strip())
            if kept is None:
                break
            out.append(Segment(f"line {n}", kept))
    return out


def _archive(data: bytes, budget: _Budget, depth: int) -> list[Segment]:
    """The readable members of a .zip (already checked), each with its name in the position."""
    if depth >= budget.limits.archive_depth + 1:
        budget.note("an archive inside an archive inside an archive is not opened")
        return []
    out: list[Segment] = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if info.is_dir() or budget.full or budget.expired():
                continue
            name = _member_name(info)
            action, _ = plan(name, None)
            if action != "read":
                budget.note(f"{name[:80]}: not read ({plan(name, None)[1]})")
                continue
            try:
                member = zf.read(info)
                _, segments = _extract(name, member, None, budget, depth + 1)
            except DocumentProblem as exc:
                budget.note(f"{name[:80]}: {exc.message}")
                continue
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
                budget.note(f"{name[:80]}: unreadable member ({exc})")
                continue
            out.extend(Segment(f"{name[:120]}: {s.position}", s.text) for s in segments)
    return out


def _member_name(info: zipfile.ZipInfo) -> str:
    """Archives made on Ukrainian Windows often store cp866 names without the UTF-8 flag."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("cp866")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _split_long(segments: list[Segment]) -> Iterator[Segment]:
    for seg in segments:
        text = seg.text
        while len(text) > SEGMENT_CHARS:
            cut = text.rfind(" ", SEGMENT_CHARS // 2, SEGMENT_CHARS)
            cut = cut if cut > 0 else SEGMENT_CHARS
            yield Segment(seg.position, text[:cut])
            text = text[cut:].lstrip()
        if text:
            yield Segment(seg.position, text)
