select
    dealer_id,
    sku,
    nullif(batch_no, '') as batch_no,
    qty,
    as_of_date,
    source_file,
    source_row
from ({{ current_rows('opening_inventory') }}) as r
