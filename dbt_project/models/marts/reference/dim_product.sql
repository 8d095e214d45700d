select
    sku,
    product_name,
    category,
    brand,
    unit_cost,
    launch_date,
    status
from {{ ref('stg_products') }}
