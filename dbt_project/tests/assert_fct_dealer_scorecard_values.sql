-- The composite score has 0 to 4 components.
select dealer_id, month, score_components
from {{ ref('fct_dealer_scorecard') }}
where score_components < 0 or score_components > 4
