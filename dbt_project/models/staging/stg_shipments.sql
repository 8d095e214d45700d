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
    source_file,
    source_row,
    submitted_at
from (
    select
        s.*,
        row_number() over (
            partition by s.shipment_id, s.line_no
            order by s.submitted_at desc, s.source_file desc, s.source_row desc
        ) as recency
    from {{ source('raw', 'shipments') }} as s
    inner join {{ source('raw', 'submissions') }} as f
        on s.source_file = f.source_file
       and f.status in ('accepted', 'partially_accepted')
) as ranked
where recency = 1
