{{ config(meta={'dagster': {'ref': {'name': 'dq_submissions'}}}) }}
-- A file's reason code is one file code of the seed dcw_codes (none when it loaded), and its
-- status is a submission status there.
{{ codes_outside_seed(ref('dq_submissions'), 'reason_code', 'file', single=true) }}
union all
{{ codes_outside_seed(ref('dq_submissions'), 'status', 'submission_status', single=true) }}
