"""The Streamlit script `bench.dashboard_elements` measures: one kind of element per page
(`?kind=...&rows=N`), on the same made-up table, then a mark once the render is sent. Run only
by that benchmark."""

import numpy as np
import pandas as pd
import streamlit as st

kind = st.query_params.get("kind", "empty")
n = int(st.query_params.get("rows", "20"))
frame = pd.DataFrame({"月份 month": pd.date_range("2024-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
                      "大区 region": np.resize(list("ABCDE"), n), "进货量 sell_in_qty": np.arange(n) * 1.5,
                      "销量 sell_out_qty": np.arange(n), "库存 closing_qty": np.arange(n) % 7})
if kind == "headings":
    st.title("总览 Overview")
    st.caption("进货、销量与库存 · Sell-in, sell-out and stock")
    st.subheader("按大区和月份 By region and month")
elif kind == "metrics":
    for column, i in zip(st.columns(4), range(4)):
        column.metric(f"指标 Metric {i}", f"{i * 1234:,}")
elif kind == "downloads":
    left, right, _ = st.columns([1, 1, 6])
    left.download_button("下载 CSV", data=lambda: b"x", file_name="x.csv", on_click="ignore", key="csv")
    right.download_button("下载 XLSX", data=lambda: b"x", file_name="x.xlsx", on_click="ignore", key="xlsx")
elif kind == "tabs":
    st.tabs(["甲 A", "乙 B", "丙 C", "图表 Charts"], key="tabs", on_change="rerun")
elif kind == "filters":  # the sidebar's filters as pages.sidebar_filters draws them, 2,000 dealers
    with st.sidebar:
        st.multiselect("大区 Region", list("ABCDE"), key="region")
        st.multiselect("经销商 Dealer", [f"D{i:04d}" for i in range(2000)], key="dealer")
        st.multiselect("品类 Category", list("XYZ"), key="category")
        months = [f"2024-{m:02d}" for m in range(1, 13)]
        st.select_slider("月份 Months", options=months, value=(months[0], months[-1]), key="months")
elif kind == "table":
    st.table(frame, border="horizontal", hide_index=True)
elif kind == "html":
    st.html(frame.to_html(index=False))
elif kind == "dataframe":
    st.dataframe(frame, hide_index=True, width="stretch")
elif kind == "chart":
    st.line_chart(frame, x="月份 month", y=["进货量 sell_in_qty", "销量 sell_out_qty"])
st.markdown('<div id="dcw-probe"></div>', unsafe_allow_html=True)
