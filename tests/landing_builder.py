"""Build small landing folders by hand for tests: ERP snapshots from lists of dicts, dealer
files with given headers, rows, encoding or as XLSX (optionally with title rows).

    lb = Landing(tmp_path / "landing")
    lb.standard_erp()                                   # a tiny consistent ERP set, 2025-01-01
    lb.sales("D0001", "202501", [lb.sale()], submitted="20250205T100000")
    lb.dealer_file("inventory", "D0001", rows, day="20250131", fmt="xlsx", title_rows=["库存"])
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Sequence

Row = dict[str, Any] | Sequence[Any]

DEALERS = ("D0001", "D0002")
SKUS = ("SKU001", "SKU002")
CITIES = ("460100", "110100")


def csv_bytes(headers: Sequence[str], rows: Iterable[Row], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(headers)
    for r in rows:
        values = [r.get(h) for h in headers] if isinstance(r, dict) else list(r)
        w.writerow(["" if v is None else v for v in values])
    return buf.getvalue().encode(encoding)


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Row], title_rows: Sequence[str] = ()) -> bytes:
    """An XLSX whose cells keep their Python types (numbers, dates as native Excel dates)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for t in title_rows:
        ws.append([t])
    ws.append(list(headers))
    for r in rows:
        values = [r.get(h) for h in headers] if isinstance(r, dict) else list(r)
        ws.append(values)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, (date, datetime)):
                cell.number_format = "yyyy-mm-dd"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class Landing:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def write(self, relpath: str, data: bytes) -> Path:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def erp(self, kind: str, day: str, rows: list[Row], headers: Sequence[str] | None = None) -> Path:
        """`erp/<kind>_<day>.csv`, UTF-8; headers default to the first dict's keys."""
        headers = list(headers or rows[0].keys())
        return self.write(f"erp/{kind}_{day}.csv", csv_bytes(headers, rows))

    def dealer_file(self, kind: str, dealer_id: str, rows: list[Row], *, month: str | None = None,
                    day: str | None = None, submitted: str = "20250205T100000", fmt: str = "csv",
                    encoding: str = "utf-8", headers: Sequence[str] | None = None,
                    title_rows: Sequence[str] = (), name: str | None = None) -> Path:
        """A dealer file under `dealers/<dealer_id>/` named by the template (or `name`)."""
        headers = list(headers or rows[0].keys())
        if name is None:
            middle = {"sales": f"_{month}", "inventory": f"_{day}", "claims": ""}[kind]
            name = f"{kind}_{dealer_id}{middle}_{submitted}.{fmt}"
        data = xlsx_bytes(headers, rows, title_rows) if fmt == "xlsx" else csv_bytes(headers, rows, encoding)
        return self.write(f"dealers/{dealer_id}/{name}", data)

    def sales(self, dealer_id: str, month: str, rows: list[Row], **kw) -> Path:
        return self.dealer_file("sales", dealer_id, rows, month=month, **kw)

    def inventory(self, dealer_id: str, day: str, rows: list[Row], **kw) -> Path:
        return self.dealer_file("inventory", dealer_id, rows, day=day, **kw)

    def claims(self, dealer_id: str, rows: list[Row], **kw) -> Path:
        return self.dealer_file("claims", dealer_id, rows, **kw)

    # ----- a tiny consistent ERP set -------------------------------------------------------

    def standard_erp(self, day: str = "20250101", dealers: Sequence[str] = DEALERS,
                     skus: Sequence[str] = SKUS, cities: Sequence[str] = CITIES) -> None:
        """Every ERP snapshot kind plus one shipments delta, all valid, dated `day`."""
        self.erp("regions", day, [
            {"city_code": c, "city_name": f"城市{c}", "province": "海南", "region": "South"} for c in cities])
        self.erp("dealers", day, [
            {"dealer_id": d, "dealer_name": f"经销商{d}", "tier": "A", "region": "South", "province": "海南",
             "city_code": cities[0], "credit_limit": "1000000", "status": "active",
             "contract_start": "2024-01-01", "contract_end": "2026-12-31"} for d in dealers])
        self.erp("products", day, [
            {"sku": s, "product_name": f"产品{s}", "category": "Cat", "brand": "Brand", "unit_cost": "50.00",
             "launch_date": "2024-01-01", "status": "active"} for s in skus])
        self.erp("prices", day, [
            {"sku": s, "price_type": t, "price": p, "valid_from": "2024-01-01", "valid_to": ""}
            for s in skus for t, p in (("dealer", "80"), ("retail_guide", "120"), ("floor", "90"))])
        self.erp("territories", day, [
            {"dealer_id": d, "city_code": c, "valid_from": "2024-01-01", "valid_to": ""}
            for d in dealers for c in cities])
        self.erp("campaigns", day, [
            {"campaign_id": "C001", "campaign_name": "春促", "campaign_type": "promo", "start_date": "2025-01-01",
             "end_date": "2025-03-31", "category": "*", "region": "*", "reimbursement_rate": "0.5",
             "budget": "100000"}])
        self.erp("opening_inventory", day, [
            {"dealer_id": d, "sku": s, "batch_no": "B1", "qty": "100", "as_of_date": "2025-01-01"}
            for d in dealers for s in skus])
        self.erp("shipments", day, [
            {"shipment_id": "S1", "line_no": "1", "ship_date": "2025-01-02", "dealer_id": dealers[0],
             "sku": skus[0], "qty": "10", "unit_price": "80", "batch_no": "B1"}])

    @staticmethod
    def sale(**overrides) -> dict[str, Any]:
        """One valid sales line for January 2025 (English headers); override any column."""
        row = {"sale_date": "2025-01-15", "customer_name": "客户甲", "customer_city_code": CITIES[0],
               "customer_phone": "13800000000", "sku": SKUS[0], "qty": "2", "unit_price": "100",
               "batch_no": "B1", "invoice_no": "INV1"}
        row.update(overrides)
        return row

    @staticmethod
    def stock(**overrides) -> dict[str, Any]:
        row = {"sku": SKUS[0], "qty_on_hand": "5", "batch_no": "B1"}
        row.update(overrides)
        return row

    @staticmethod
    def claim(**overrides) -> dict[str, Any]:
        row = {"claim_id": "CL1", "campaign_id": "C001", "expense_type": "展会", "amount": "1000",
               "period_start": "2025-01-01", "period_end": "2025-01-31", "description": "门店活动"}
        row.update(overrides)
        return row
