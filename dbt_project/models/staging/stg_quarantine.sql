select
    q.source_file,
    q.source_row,
    q.kind,
    q.dealer_id,
    q.reason_codes,
    q.reason_detail,
    {{ mask_phone_in_json('q.raw_values') }} as raw_values,
    q.submitted_at
from {{ source('raw', 'quarantine') }} as q
inner join {{ source('raw', 'submissions') }} as s
    on {{ committed('q', 's') }}
