"""The dashboard's words: Chinese first, English beside (docs/dashboard.md). Column headers
keep the mart's column name after the Chinese, so a figure can be looked up in docs/marts.md;
codes (rules, statuses, reasons) get their wording from the one codes seed
(pipelines/codes.py)."""

from __future__ import annotations

import pandas as pd

from pipelines import codes

COLUMNS = {
    "region": "大区", "month": "月份", "dealer_id": "经销商编码", "dealer_name": "经销商名称",
    "tier": "级别", "status": "状态", "sku": "产品编码", "category": "品类",
    "sell_in_qty": "进货量", "sell_out_qty": "销量", "closing_qty": "期末库存",
    "opening_qty": "期初库存", "in_transit_qty": "在途", "reported_closing_qty": "上报库存",
    "weeks_of_cover": "库存周数", "actual_qty": "实际销量", "forecast_qty": "预测销量",
    "forecast_lo": "预测下限(80%)", "forecast_hi": "预测上限(80%)",
    "composite_score": "综合评分", "suggested_tier": "建议级别", "current_tier": "当前级别",
    "timeliness": "报备及时性", "days_late": "迟报天数", "sales_due_date": "报备截止日",
    "first_sales_submitted_at": "首次报备时间", "quarantined_row_share": "隔离行占比",
    "flagged_line_share": "窜货行占比", "inventory_accuracy": "库存准确性", "sell_out_value": "销售额",
    "sale_date": "销售日期", "qty": "数量", "rule": "规则", "rule_zh": "规则说明", "evidence": "证据",
    "batch_no": "批次号", "customer_city_code": "客户城市", "source_dealer_ids": "批次收货经销商",
    "source_file": "来源文件", "source_row": "来源行号", "lines": "行数",
    "mean_deviation_pct": "平均偏离", "min_deviation_pct": "最低偏离", "below_floor_lines": "低于限价行数",
    "unit_price": "售价", "guide_price": "建议零售价", "deviation_pct": "价格偏离", "is_below_floor": "低于限价",
    "alert_level": "预警级别", "reason": "原因", "advice": "建议",
    "active_customers": "活跃客户", "new_customers": "新客户", "cities_covered": "覆盖城市",
    "flags": "标记数", "dealers": "经销商数", "flagged_lines": "被标记行数", "rules": "规则",
    "selling_dealers": "销售经销商", "receiving_dealers": "收货经销商", "first_sale": "首次销售",
    "last_sale": "最近销售", "negative_stock_skus": "负库存产品数", "negative_stock_sku_list": "负库存产品",
    "writeoff_month": "核销月份", "claims": "申请数", "claimed_amount": "申请金额",
    "approved_amount": "核准金额", "status_zh": "状态说明", "campaign_id": "活动编码", "campaign_name": "活动名称",
    "approved_claims": "核准", "partially_approved_claims": "部分核准", "rejected_claims": "驳回",
    "start_date": "开始日期", "end_date": "结束日期", "approved_spend": "核准费用",
    "incremental_gross_margin": "增量毛利", "roi": "投资回报率", "quarter": "季度", "rebate_amount": "返利金额",
    "files": "文件数", "accepted": "已接收", "partially_accepted": "部分接收", "rejected": "已拒收",
    "duplicate": "重复", "superseded": "已替代", "rows_read": "读取行数", "rows_quarantined": "隔离行数",
    "reason_code": "原因代码", "reason_zh": "原因说明", "rows": "行数", "period_start": "报告期",
    "on_time": "按时", "late": "迟报", "missing": "未报", "not_due": "未到期",
    "kind": "类型", "due_date": "截止日", "received_at": "收到时间", "days_overdue": "逾期天数",
    "contract_end": "合同到期", "days_left": "剩余天数", "bucket": "分组",
}

# the code family whose wording explains a column's values
CODE_COLUMNS = {"rule": "diversion", "reason_code": "row", "status": "claim_status"}


def header(column: str) -> str:
    """'销量 sell_out_qty': the Chinese, then the mart's column name."""
    zh = COLUMNS.get(column)
    return f"{zh} {column}" if zh else column


def for_display(frame: pd.DataFrame) -> pd.DataFrame:
    """Bilingual headers; a date column (every value at midnight) shown as a date."""
    out = frame.rename(columns={c: header(c) for c in frame.columns})
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c].dtype):
            values = out[c].dropna()
            if (values == values.dt.normalize()).all():
                out[c] = out[c].dt.date
    return out


def whole_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Float columns whose every value is whole as integers: the marts keep quantities as
    DECIMAL(18,4), which a static table would show as `530.0000`."""
    out = frame
    for c in frame.columns:
        if pd.api.types.is_float_dtype(frame[c].dtype):
            values = frame[c].dropna()
            if (values == values.round()).all():
                out = out if out is not frame else frame.copy()
                out[c] = frame[c].round().astype("Int64")
    return out


def with_wording(frame: pd.DataFrame, column: str, family: str, into: str) -> pd.DataFrame:
    """`frame` with column `into` after `column`: each code's Chinese wording (the code itself
    when the seed does not know it, several codes joined with '；')."""
    try:
        words = {code: zh for code, (zh, _) in codes.wording(family).items()}
    except KeyError:  # a family the seed does not have (yet): the codes speak for themselves
        words = {}
    if column not in frame.columns:
        return frame
    out = frame.copy()
    texts = out[column].map(lambda v: "；".join(words.get(c.strip(), c.strip()) for c in str(v).split(","))
                            if isinstance(v, str) and v else None)
    out.insert(out.columns.get_loc(column) + 1, into, texts)
    return out
