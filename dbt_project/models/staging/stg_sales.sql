select
    source_file,
    source_row,
    file_dealer_id as dealer_id,
    file_period_start as sales_month,
    submitted_at,
    sale_date,
    r.customer_name,
    r.customer_city_code,
    c.customer_key,
    {{ mask_phone('customer_phone') }} as customer_phone_masked,
    sku,
    qty,
    unit_price,
    nullif(batch_no, '') as batch_no,
    invoice_no
from ({{ current_rows('sales', ['dealer_id', 'period_start']) }}) as r
{# the customer resolution's key of the line's (name, city) spelling: docs/customers.md #}
left join {{ source('raw', 'customer_records') }} as c
    on c.customer_name = r.customer_name
   and c.customer_city_code = r.customer_city_code
