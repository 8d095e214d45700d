select
    source_file,
    kind,
    source,
    dealer_id,
    period_start,
    submitted_at,
    content_hash,
    size_bytes,
    status,
    reason_code,
    reason_detail,
    rows_read,
    rows_accepted,
    rows_quarantined,
    superseded_by,
    duplicate_of,
    ingested_at,
    batch_id,
    {#- a log written before versions existed holds first reads only -#}
    coalesce(landing_path, source_file) as landing_path,
    coalesce(file_version, 1) as file_version
from {{ source('raw', 'submissions') }}
