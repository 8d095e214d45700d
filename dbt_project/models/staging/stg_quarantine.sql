select
    source_file,
    source_row,
    kind,
    dealer_id,
    reason_codes,
    reason_detail,
    {{ mask_phone_in_json('raw_values') }} as raw_values,
    submitted_at
from {{ source('raw', 'quarantine') }}
