{#- Market coverage (市场覆盖) per dealer and month: the customers it sold to, the new ones, and
    the cities they are in (docs/marts.md, "Customers"); months in which the dealer reported at
    least one current accepted sales line. -#}
{#- Incremental by dealer (macros/incremental.sql): a night rebuilds every month of the dealers
    its sales files touched (a customer's first month with the dealer moves its later months'
    new customers); a whole rebuild of int_sales_lines rebuilds it whole. -#}
{{ config(**appended_config("{{ incremental_scope(['sales'], upstream=['int_sales_lines'], widen=scope_dealers(shipments=false), rows=dealer_rows('l')) }}")) }}

with lines as (
    select dealer_id, sale_month, customer_key, customer_city_code
    from {{ ref('int_sales_lines') }} as l
    {% if is_incremental() %}where {{ dealer_rows('l') }}{% endif %}
),

firsts as (
    select dealer_id, customer_key, min(sale_month) as first_month
    from lines
    where customer_key is not null
    group by dealer_id, customer_key
)

select
    l.dealer_id,
    l.sale_month as month,
    count(distinct l.customer_key) as active_customers,
    count(distinct case when f.first_month = l.sale_month then l.customer_key end) as new_customers,
    count(distinct l.customer_city_code) as cities_covered
from lines as l
left join firsts as f
    on f.dealer_id = l.dealer_id and f.customer_key = l.customer_key
group by l.dealer_id, l.sale_month
