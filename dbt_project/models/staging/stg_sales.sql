select
    source_file,
    source_row,
    file_dealer_id as dealer_id,
    file_period_start as sales_month,
    submitted_at,
    sale_date,
    customer_name,
    customer_city_code,
    {{ mask_phone('customer_phone') }} as customer_phone_masked,
    sku,
    qty,
    unit_price,
    nullif(batch_no, '') as batch_no,
    invoice_no
from ({{ current_rows('sales', ['dealer_id', 'period_start']) }}) as r
