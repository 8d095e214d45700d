select
    source_file,
    source_row,
    kind,
    dealer_id,
    reason_codes,
    reason_detail,
    raw_values,
    submitted_at
from {{ ref('stg_quarantine') }}
