select
    dealer_id,
    dealer_name,
    tier,
    region,
    province,
    city_code,
    credit_limit,
    status,
    contract_start,
    contract_end,
    contact_email,
    manager_email,
    source_file,
    source_row
from ({{ current_rows('dealers') }}) as r
