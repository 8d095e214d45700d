"""Bytes of one file -> its data rows as text under canonical column names, or a file-level
reason why it cannot be used.

The result is deliberately untyped (every value is the text as sent, or as Excel's cell shows
it): typing and validation happen once per batch in `normalise`/`validate`, vectorised over
many files, which is what keeps the per-file cost close to a bare CSV parse.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time

import numpy as np
import polars as pl

from pipelines.contracts.spec import FileKind, normalise_header

# Limits for hostile files (documented in docs/ingestion.md).
MAX_FILE_BYTES = 256 << 20  # a month of one dealer's sales is a few MB
MAX_FIELD_BYTES = 64 << 10  # no legitimate value comes near; a longer one is not a report
MAX_XLSX_UNCOMPRESSED = 512 << 20  # declared total, checked before the XLSX reader opens anything
MAX_XLSX_RATIO = 100  # declared uncompressed / compressed, for archives above 16 MiB
_RATIO_FLOOR = 16 << 20
HEADER_SEARCH_ROWS = 10  # the contract: the header is within the first 10 rows (XLSX)

POS = "_pos"  # data-row number in the file (1 = first row after the header)
EXTRA = "_extra"  # the file's other columns, joined: only for DUPLICATE_ROW and blank rows
FID = "_fid"  # which file of a batch a row comes from
_SEP = "\x1f"


class Rejected(Exception):
    """The file cannot be used at all: a file-level reason code and a sentence."""

    def __init__(self, code: str, detail: str, header_row: int = 1, missing: tuple[str, ...] = ()):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.header_row = header_row
        self.missing = missing


@dataclass
class ReadResult:
    frame: pl.DataFrame | None  # the file's canonical columns (str) and EXTRA, header removed
    code: str | None = None
    detail: str | None = None
    # For the dealer's feedback: the header's row number as a spreadsheet shows it (a data
    # row's number there is header_row + its data-row number), each column's header as the
    # dealer wrote it, and the required columns the header lacks.
    header_row: int = 1
    headers: dict[str, str] | None = None
    missing: tuple[str, ...] = ()


def read_file(data: bytes, ext: str, kind: FileKind) -> ReadResult:
    """Parse one file's bytes; any failure becomes a file-level code, never an exception."""
    try:
        if not data:
            raise Rejected("EMPTY_FILE", "the file is empty (0 bytes)")
        grid = _read_csv(data) if ext == "csv" else _read_xlsx(data, kind)
        frame, headers = _canonical(grid, kind)
        return ReadResult(frame, header_row=grid.header_row, headers=headers)
    except Rejected as r:
        return ReadResult(None, r.code, r.detail, header_row=r.header_row, missing=r.missing)
    except Exception as e:  # a parser choking on hostile bytes must not stop the night
        # The type only: a parser's message may quote the file's content.
        return ReadResult(None, "UNREADABLE", f"the file cannot be parsed ({type(e).__name__})")


def decode_text(data: bytes) -> bytes:
    """UTF-8 bytes of a dealer CSV sent as UTF-8, UTF-8 with BOM or GBK/GB18030; a file that
    mixes them (a BOM, or UTF-8 lines, beside GBK lines) is UNREADABLE: decoding it either way
    garbles half of its names."""
    if b"\x00" in data:
        raise Rejected("UNREADABLE", "binary content (NUL bytes), not a CSV text file")
    bom = data.startswith(b"\xef\xbb\xbf")
    if bom:
        data = data[3:]
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    mixed = Rejected("UNREADABLE", "the text mixes encodings (UTF-8 and GBK lines in one file); "
                                   "save it again in one encoding")
    try:
        # GB18030 is a superset of GBK and GB2312, so one attempt covers all three.
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise (mixed if (bom or _has_utf8_lines(data)) and _each_line_decodes(data) else
               Rejected("UNREADABLE", "the text is neither UTF-8 nor GBK/GB18030")) from None
    if bom or _has_utf8_lines(data):
        raise mixed
    return text.encode("utf-8")


# Three or more characters of Chinese text in UTF-8 (3-byte sequences): GBK text that happens to
# be valid UTF-8 is almost never that long, so a false alarm on a pure GBK file is unlikely.
_UTF8_CJK = re.compile(rb"(?:[\xe4-\xe9][\x80-\xbf]{2}){3}")


def _each_line_decodes(data: bytes) -> bool:
    """Every line is UTF-8 or GB18030 on its own: the file mixes two encodings, rather than
    holding bytes that are text in neither."""
    def decodes(line: bytes) -> bool:
        for encoding in ("utf-8", "gb18030"):
            try:
                line.decode(encoding)
                return True
            except UnicodeDecodeError:
                pass
        return False
    return all(decodes(line) for line in data.splitlines())


def _has_utf8_lines(data: bytes) -> bool:
    """Whether some line is valid UTF-8 holding Chinese text (the rest of the file is not
    UTF-8). One search of the whole file, then only the lines it hits are decoded: a loop over
    every line in Python held the interpreter lock the reader threads share for about 3 s of
    M's ingestion (docs/ingestion.md, Performance)."""
    pos = 0
    while (hit := _UTF8_CJK.search(data, pos)) is not None:
        # the pattern holds no line break, so a hit lies within one line (bytes.splitlines:
        # \n, \r or \r\n end a line)
        start = max(data.rfind(b"\n", 0, hit.start()), data.rfind(b"\r", 0, hit.start())) + 1
        ends = [i for i in (data.find(b"\n", hit.end()), data.find(b"\r", hit.end())) if i >= 0]
        end = min(ends, default=len(data))
        try:
            data[start:end].decode("utf-8")
            return True
        except UnicodeDecodeError:
            pos = end
    return False


@dataclass
class _Grid:
    frame: pl.DataFrame  # all columns str, the header row removed
    header: list[str]
    header_row: int = 1  # the header's row number in the sheet (1 = the first row)


def _read_csv(data: bytes) -> _Grid:
    text = decode_text(data)
    try:
        df = pl.read_csv(io.BytesIO(text), has_header=False, infer_schema=False,
                         raise_if_empty=False, quote_char='"')
    except Exception as e:
        # The parser's own message may quote the record (a customer's phone, say): the reason
        # goes to the log, the marts and the dealer, so it names the problem, never the content.
        raise Rejected("UNREADABLE", "the CSV cannot be parsed (" + _parse_problem(str(e)) + ")") from None
    if df.height == 0:
        raise Rejected("EMPTY_FILE", "the file has no header and no data rows")
    _check_field_sizes(df, len(text))
    header = ["" if v is None else v for v in df.row(0)]
    return _Grid(df.slice(1), header)


def _parse_problem(message: str) -> str:
    """What went wrong, in words that quote nothing of the file."""
    text = message.lower()
    if "more fields" in text or "field count" in text or "expected" in text and "fields" in text:
        return "a line has more fields than the header; check for a stray quote or comma"
    if "quote" in text:
        return "a quote is not closed"
    return "check quotes, separators and the number of fields per line"


def _check_field_sizes(df: pl.DataFrame, size: int) -> None:
    if size <= MAX_FIELD_BYTES:  # no field can be longer than the file
        return
    # Each column's longest value first (no per-row column built); the record only when too long.
    widest = df.select(pl.all().str.len_bytes().max()).row(0)
    if max((n or 0 for n in widest), default=0) > MAX_FIELD_BYTES:
        longest = df.select(pl.max_horizontal(pl.all().str.len_bytes()).alias("n")).get_column("n")
        row = int(longest.arg_max())  # 0 is the header line
        raise Rejected("UNREADABLE", f"a value is longer than {MAX_FIELD_BYTES >> 10} KiB (record {row + 1} of the file)")


def check_zip(data: bytes) -> None:
    """Refuse an XLSX whose declared content is far larger than the file (zip bomb) before any
    XML parser sees it; Python's zipfile never inflates a member beyond its declared size."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise Rejected("UNREADABLE", "not an XLSX workbook (not a zip archive)")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        total = sum(i.file_size for i in z.infolist())
    if total > MAX_XLSX_UNCOMPRESSED or (total > _RATIO_FLOOR and total > MAX_XLSX_RATIO * len(data)):
        raise Rejected("UNREADABLE", f"the workbook declares {total:,} bytes uncompressed from {len(data):,} "
                                     "(compression bomb guard)")


def _read_xlsx(data: bytes, kind: FileKind) -> _Grid:
    # calamine (Rust) rather than openpyxl: about 8x faster on dealers' workbooks, which made
    # XLSX the ingestion's largest cost. It reads the cells that exist, so a forged dimension
    # (A1:XFD1048576) pads nothing.
    import python_calamine

    check_zip(data)
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheet = first_visible_sheet(wb)
    # An empty cell comes back as "": the same as no cell for a dealer.
    rows = [[None if v == "" else cell_text(v) for v in r]
            for r in wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)]
    if not any(any(v is not None for v in r) for r in rows):
        raise Rejected("EMPTY_FILE", "the first worksheet is empty")
    h = _find_header(rows[:HEADER_SEARCH_ROWS], kind)
    header = ["" if v is None else v for v in rows[h]]
    width = max(len(header), max((len(r) for r in rows), default=0))
    body = rows[h + 1:]
    columns = [[r[i] if i < len(r) else None for r in body] for i in range(width)]
    frame = pl.DataFrame({f"column_{i}": pl.Series(c, dtype=pl.String) for i, c in enumerate(columns)},
                         height=len(body))
    header += [""] * (width - len(header))
    _check_field_sizes(frame, MAX_FIELD_BYTES + 1)
    return _Grid(frame, header, header_row=h + 1)


def first_visible_sheet(wb) -> str:
    """The name of the first worksheet a dealer sees: a hidden sheet (an old draft, a lookup
    list) is never read (docs/input_contract.md)."""
    import python_calamine

    for sheet in wb.sheets_metadata:
        if sheet.visible == python_calamine.SheetVisibleEnum.Visible and \
                sheet.typ == python_calamine.SheetTypeEnum.WorkSheet:
            return sheet.name
    raise Rejected("UNREADABLE", "the workbook has no visible worksheet")


def _find_header(rows: list[list[str | None]], kind: FileKind) -> int:
    """Index of the first row holding every required column; otherwise the row that holds the
    most of them, so MISSING_COLUMNS names what is really missing."""
    aliases = kind.header_aliases()
    best, best_found = 0, -1
    for i, r in enumerate(rows):
        found = {aliases.get(normalise_header(v)) for v in r if v is not None}
        n = sum(c in found for c in kind.required)
        if n == len(kind.required):
            return i
        if n > best_found:
            best, best_found = i, n
    return best


def cell_text(v) -> str | None:
    """An Excel cell as the text a dealer sees: whole numbers without '.0', no float
    artefacts (15 significant digits, Excel's own precision), dates in ISO form."""
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e18:
            return str(int(v))
        return format(v, ".15g")
    if isinstance(v, datetime):
        # A date cell is a datetime at midnight; a time of day is not a date the contract allows.
        return v.date().isoformat() if v.time() == time(0) else v.isoformat(sep=" ")
    if isinstance(v, (date, time)):
        return v.isoformat()
    return str(v)


def _canonical(grid: _Grid, kind: FileKind) -> tuple[pl.DataFrame, dict[str, str]]:
    """The canonical frame, and canonical column -> its header as written."""
    aliases = kind.header_aliases()
    source: dict[str, str] = {}  # canonical -> frame column; the first of two aliases wins
    written: dict[str, str] = {}
    extras: list[str] = []
    for name, text in zip(grid.frame.columns, grid.header):
        canon = aliases.get(normalise_header(text))
        if canon is not None and canon not in source:
            source[canon] = name
            written[canon] = text.strip()
        else:
            extras.append(name)
    missing = [c for c in kind.required if c not in source]
    if missing:
        raise Rejected("MISSING_COLUMNS", "missing required columns: " + ", ".join(missing),
                       header_row=grid.header_row, missing=tuple(missing))

    if grid.frame.height == 0:
        raise Rejected("EMPTY_FILE", "the file has a header but no data rows", header_row=grid.header_row)
    # Plain column moves, no query: this runs once per file, holding the interpreter lock the
    # other reader threads wait for, and must stay near-free.
    frame = grid.frame[list(source.values())]
    frame.columns = list(source)
    if extras:
        frame = frame.hstack([grid.frame.select(
            pl.concat_str([pl.col(c).fill_null("") for c in extras], separator=_SEP).alias(EXTRA)).to_series()])
    return frame, written


def stack(frames: list[pl.DataFrame], kind: FileKind) -> tuple[pl.DataFrame, np.ndarray]:
    """The files of one kind as one frame: FID (index into `frames`), POS (data-row number in
    its file), every canonical column (NULL where a file lacks it), EXTRA; rows that are blank
    in every column are not data rows and are dropped (their numbers are not reused).
    Returns the frame and the number of data rows per file."""
    lengths = np.fromiter((f.height for f in frames), dtype=np.int64, count=len(frames))
    fid = np.repeat(np.arange(len(frames), dtype=np.uint32), lengths)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    pos = (np.arange(int(lengths.sum()), dtype=np.int64) - starts + 1).astype(np.int32)
    raw = pl.concat(frames, how="diagonal")
    raw = raw.with_columns(
        *[pl.lit(None, dtype=pl.String).alias(c) for c in (*kind.column_names, EXTRA) if c not in raw.columns],
        pl.Series(FID, fid), pl.Series(POS, pos),
    )
    blank = pl.all_horizontal([pl.col(c).str.strip_chars().fill_null("") == ""
                               for c in (*kind.column_names, EXTRA)])
    raw = raw.filter(~blank).select(FID, POS, *kind.column_names, EXTRA)
    return raw, np.bincount(raw.get_column(FID).to_numpy(), minlength=len(frames))
