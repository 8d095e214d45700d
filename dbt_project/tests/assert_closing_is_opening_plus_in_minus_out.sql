-- Stock balances every month: closing = opening + sell-in - sell-out, and each month opens
-- with the previous month's closing.
with ordered as (
    select
        *,
        lag(closing_qty) over (partition by dealer_id, sku order by month) as previous_closing,
        lag(month) over (partition by dealer_id, sku order by month) as previous_month
    from {{ ref('fct_sell_through_monthly') }}
)

select *
from ordered
where closing_qty <> opening_qty + sell_in_qty - sell_out_qty
   or (previous_month is not null and opening_qty <> previous_closing)
   or (previous_month is not null and previous_month <> {{ add_months('month', -1) }})
