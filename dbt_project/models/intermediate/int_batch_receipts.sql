{#- When each dealer first received each batch (sku, batch_no): by a shipment to it
    (qty > 0; a return, qty < 0, goes the other way and receives nothing) or by its opening
    inventory listing the batch (on the snapshot's as_of_date). -#}
with receipts as (
    select dealer_id, sku, batch_no, ship_date as received_on
    from {{ ref('stg_shipments') }}
    where batch_no is not null and qty > 0

    union all

    select dealer_id, sku, batch_no, as_of_date as received_on
    from {{ ref('stg_opening_inventory') }}
    where batch_no is not null
)

select
    dealer_id,
    sku,
    batch_no,
    min(received_on) as first_received_on
from receipts
group by dealer_id, sku, batch_no
