{#- Every value of the column is a code of `family` in the seed dcw_codes (or, unless
    `single`, a comma-separated list of such codes in the seed's rule order). The codes are
    listed once, in the seed; this test holds a mart to it. -#}
{% test codes_in_seed(model, column_name, family, single=false) %}
{{ codes_outside_seed(model, column_name, family, single=single) }}
{% endtest %}
