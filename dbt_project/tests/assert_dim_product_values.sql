-- A product's unit cost is never negative.
select sku, unit_cost
from {{ ref('dim_product') }}
where unit_cost < 0
