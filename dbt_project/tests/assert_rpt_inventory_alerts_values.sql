-- An alert's cover window is 1 to 3 months.
select dealer_id, sku, cover_months
from {{ ref('rpt_inventory_alerts') }}
where cover_months < 1 or cover_months > 3
