select
    source_file,
    source_row,
    file_dealer_id as dealer_id,
    file_period_start as report_date,
    submitted_at,
    sku,
    qty_on_hand,
    nullif(batch_no, '') as batch_no
from ({{ current_rows('inventory', ['dealer_id', 'period_start']) }}) as r
