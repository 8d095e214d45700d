select
    sku,
    price_type,
    price,
    valid_from,
    valid_to,
    source_file,
    source_row
from ({{ current_rows('prices') }}) as r
