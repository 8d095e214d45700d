{#- A table, not a view as the other staging models: the newest version per key is a grouping
    over every shipment line ever sent, and a view evaluates it again for each of its data
    tests and each model that reads it (dbt_project/README.md, "Staging stays views"). Built
    only on a night whose files include shipments. -#}
{{ config(materialized='table') }}

{#- Shipments are deltas: per (shipment_id, line_no) the row of the latest
    (submitted_at, source_file) wins; within one file the last row wins. -#}
select
    shipment_id,
    line_no,
    ship_date,
    dealer_id,
    sku,
    qty,
    unit_price,
    nullif(batch_no, '') as batch_no,
    {#- an extract without the optional delivery_date: delivered on the ship date -#}
    coalesce(delivery_date, ship_date) as delivery_date,
    source_file,
    source_row,
    submitted_at
from ({{ newest_rows_per_key('shipments', ['shipment_id', 'line_no']) }}) as r
