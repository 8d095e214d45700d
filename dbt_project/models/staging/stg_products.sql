select
    sku,
    product_name,
    category,
    brand,
    unit_cost,
    launch_date,
    status,
    source_file,
    source_row
from ({{ current_rows('products') }}) as r
