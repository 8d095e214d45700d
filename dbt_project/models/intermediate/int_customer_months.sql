{#- Each customer's purchases per month (the part of fct_customer_rfm that the business date
    does not move: the mart adds the months, rolls and grades them as of the date).
    Incremental by customer (dbt_project/README.md, "Incremental models"), as dim_customer: a
    night rebuilds every month of the customers of its sales files' lines and of every customer
    it held with a dealer of those files (dealer_ids: a line a new version dropped). -#}
{{ config(**customer_keyed_config()) }}

with lines as (
    select customer_key, sale_month, sale_date, dealer_id, line_value
    from {{ ref('int_sales_lines') }} as l
    where customer_key is not null
    {% if is_incremental() %}and {{ customer_rows('l') }}{% endif %}
),

dealers as (
    {{ customer_dealer_ids('lines', ['customer_key', 'sale_month']) }}
)

select
    m.customer_key,
    m.month,
    m.purchase_days,
    m.value,
    m.last_date,
    d.dealer_ids
from (
    select
        customer_key,
        sale_month as month,
        count(distinct sale_date) as purchase_days,
        sum(line_value) as value,
        max(sale_date) as last_date
    from lines
    group by customer_key, sale_month
) as m
inner join dealers as d
    on d.customer_key = m.customer_key and d.sale_month = m.month
