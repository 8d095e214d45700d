"""The channel dashboard (渠道看板): pages in the browser for channel managers and sales
leaders, built with Streamlit on the serving file alone (docs/dashboard.md).

- `db`: the read-only view of the serving file one page render uses, and which marts and
  columns it holds (a page section whose mart is not published is skipped with a note)
- `queries`: every figure as a small pure function, SQL over the serving file
- `cache`: every figure computed once per published night, shared by all sessions
- `export`: masking of phone numbers, CSV and XLSX bytes of a table
- `labels`: the Chinese and English wording of pages, columns and codes
- `views`: what each page shows first (headline figures, main table), renderer-free
- `pages`: the Streamlit pages, thin: filters in, queries out
- `first_view`: each page's first view as static HTML, written after each night
- `app`: the script Streamlit runs; `launcher`: the app and the first views' route;
  `server`: starting it (`dcw dashboard`)
"""
