{#- A monthly stock balance holds in every row: `closing` = `opening` + `movement` (an
    expression of the row, e.g. in minus out), and within each `partition_by` group each
    month follows the previous one without a gap and opens with its closing. One row per
    row broken, with the previous month and closing. -#}
{% test balance_rolls_forward(model, partition_by, opening, closing, movement, month='month') %}
{%- set window = 'partition by ' ~ (partition_by | join(', ')) ~ ' order by ' ~ month %}
with ordered as (
    select
        *,
        lag({{ closing }}) over ({{ window }}) as previous_closing,
        lag({{ month }}) over ({{ window }}) as previous_month
    from {{ model }}
)

select *
from ordered
where {{ closing }} <> {{ opening }} + {{ movement }}
   or (previous_month is not null and {{ opening }} <> previous_closing)
   or (previous_month is not null and previous_month <> {{ add_months(month, -1) }})
{% endtest %}
