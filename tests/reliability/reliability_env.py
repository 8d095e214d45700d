"""Helpers of the reliability tests: one small landing folder with every kind of file that
matters here (a resubmission, a quarantined row, XLSX and GBK files, hostile files, customer
phone numbers in several spellings), run once through the whole pipeline (`dcw run` in its
own process) as the reference every other run is compared with."""

from __future__ import annotations

import csv
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

from tests.landing_builder import DEALERS, SKUS, Landing
from tests.dcw_runs import env_for

D1, D2 = DEALERS

# Every phone number of the landing, as sent; a mart or report holding one of them (or its
# digits) in clear is a leak.
PHONES = ("13900000001", "13900000002", "13900000003", "+86 139-0000-0004", "13900000005", "13900000006")


def write_reference_landing(root: Path) -> Path:
    lb = Landing(root)
    lb.standard_erp()
    sale = Landing.sale
    # D0001, January: a first version, superseded whole by the later resubmission
    lb.sales(D1, "202501", [sale(customer_phone=PHONES[0], qty="3")], submitted="20250203T090000")
    lb.sales(D1, "202501", [sale(customer_phone=PHONES[1]),
                            sale(invoice_no="INV2", qty="0", customer_phone=PHONES[2])],  # quarantined
             submitted="20250205T100000")
    lb.sales(D2, "202501", [sale(invoice_no="INV9", customer_phone=PHONES[3], sku=SKUS[1], batch_no="B9")],
             fmt="xlsx", title_rows=["销售报备"], submitted="20250204T080000")
    lb.sales(D2, "202502", [sale(invoice_no="INV10", sale_date="2025-02-03", customer_phone=PHONES[4],
                                 customer_name="客户乙")],
             encoding="gbk", submitted="20250302T080000")
    lb.sales(D2, "202502", [sale(invoice_no="INV11", sale_date="2025-02-04", customer_phone=PHONES[5],
                                 qty="abc")], submitted="20250303T080000")
    lb.inventory(D1, "20250131", [Landing.stock()])
    # goods on the road at the end of January (delivered in February)
    lb.erp("shipments", "20250201", [
        {"shipment_id": "S2", "line_no": "1", "ship_date": "2025-01-30", "dealer_id": D1, "sku": SKUS[0],
         "qty": "4", "unit_price": "80", "batch_no": "B1", "delivery_date": "2025-02-03"}])
    lb.claims(D1, [Landing.claim()])
    lb.erp("targets", "20250101", [{"dealer_id": D1, "period": "2025-Q1", "target_value": "150"},
                                   {"dealer_id": D2, "period": "2025-01", "target_value": "500"}])
    lb.erp("rebate_programs", "20250101", [
        {"program_id": "P1", "program_name": "一季度返利", "quarter": "2025-Q1", "region": "*",
         "min_attainment": m, "rebate_rate": "0.02"} for m in ("0.8", "1.2")])
    # hostile: binary bytes under a valid name, a name outside the template
    lb.write(f"dealers/{D2}/sales_{D2}_202501_20250206T000000.csv", bytes(range(256)) * 8)
    lb.write(f"dealers/{D1}/readme.txt", b"not a report")
    return lb.root


def landing_rows(path: Path) -> tuple[list[str] | None, list[list]]:
    """(header, data rows) of a landed CSV (UTF-8 or GBK) or XLSX (header within the first 10
    rows), read independently of the ingestion; (None, []) for a file that is not readable."""
    from openpyxl import load_workbook

    if path.suffix == ".xlsx":
        wb = load_workbook(path, read_only=True)
        rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
        wb.close()
        header_at = next((i for i, r in enumerate(rows[:10]) if sum(isinstance(c, str) for c in r) > 2), None)
    else:
        data = path.read_bytes()
        rows = []
        if b"\x00" not in data:
            for enc in ("utf-8", "gb18030"):
                try:
                    rows = list(csv.reader(io.StringIO(data.decode(enc))))
                    break
                except UnicodeDecodeError:
                    pass
        header_at = 0 if rows else None
    if header_at is None:
        return None, []
    return [str(c) for c in rows[header_at]], rows[header_at + 1:]


def landed_phones(landing: Path) -> set[str]:
    """Every customer_phone value in the landing's readable sales files."""
    found: set[str] = set()
    for path in landing.rglob("sales_*"):
        header, rows = landing_rows(path)
        if header and "customer_phone" in header:
            col = header.index("customer_phone")
            found |= {str(r[col]) for r in rows if len(r) > col and r[col]}
    return found


@dataclass
class Reference:
    root: Path
    landing: Path
    env: dict[str, str]
    marts: dict[str, list[str]]

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def serving(self) -> Path:
        return self.root / "serving" / "dcw.duckdb"


def fresh_root(tmp: Path, landing: Path) -> tuple[Path, dict[str, str]]:
    """A new, empty warehouse folder reading `landing`: (root, environment for dcw)."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "dagster_home").mkdir(exist_ok=True)
    return tmp, env_for(tmp, landing)


def copy_root(src: Path, dst: Path) -> tuple[Path, dict[str, str]]:
    """A copy of a whole warehouse folder (warehouse, raw layer, serving, feedback), reading
    the same landing as `src` did: (root, environment)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("landing", "dagster_home", "*.lock"))
    (dst / "dagster_home").mkdir()
    return dst, env_for(dst, src / "landing")
