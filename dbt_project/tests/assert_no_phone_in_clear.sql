-- No mart exposes a customer phone number in clear: no run of 7 or more digits that looks
-- like a phone number in the quarantined raw values.
select source_file, source_row
from {{ ref('dq_quarantine') }}
where {{ phone_in_clear('raw_values') }}
