{{ config(meta={'dagster': {'ref': {'name': 'fct_diversion_flags'}}}) }}
-- Every flag's rule is a diversion rule of the seed dcw_codes.
{{ codes_outside_seed(ref('fct_diversion_flags'), 'rule', 'diversion', single=true) }}
