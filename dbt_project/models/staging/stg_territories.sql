select
    dealer_id,
    city_code,
    valid_from,
    valid_to,
    source_file,
    source_row
from ({{ current_rows('territories') }}) as r
