{{ config(meta={'dagster': {'ref': {'name': 'fct_expense_writeoff'}}}) }}
-- A claim's reason codes are write-off rules of the seed dcw_codes, in rule order, and its
-- status is a claim status there.
{{ codes_outside_seed(ref('fct_expense_writeoff'), 'reason_codes', 'writeoff') }}
union all
{{ codes_outside_seed(ref('fct_expense_writeoff'), 'status', 'claim_status', single=true) }}
