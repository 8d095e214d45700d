select
    d.dealer_id,
    d.dealer_name,
    d.tier,
    d.region,
    d.province,
    d.city_code,
    r.city_name,
    d.credit_limit,
    d.status,
    d.contract_start,
    d.contract_end,
    d.contact_email,
    d.manager_email
from {{ ref('stg_dealers') }} as d
left join {{ ref('stg_regions') }} as r
    on r.city_code = d.city_code
