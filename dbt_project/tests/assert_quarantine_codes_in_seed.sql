{{ config(meta={'dagster': {'ref': {'name': 'dq_quarantine'}}}) }}
-- A quarantined row's reason codes are row codes of the seed dcw_codes, in rule order.
{{ codes_outside_seed(ref('dq_quarantine'), 'reason_codes', 'row') }}
