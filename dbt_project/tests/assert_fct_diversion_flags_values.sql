-- The dealers whose batch a FOREIGN_BATCH line sold are a comma-separated list of ids:
-- no empty item, no blank.
select source_file, source_row, source_dealer_ids
from {{ ref('fct_diversion_flags') }}
where source_dealer_ids = ''
   or source_dealer_ids like ',%'
   or source_dealer_ids like '%,'
   or source_dealer_ids like '%,,%'
   or source_dealer_ids like '% %'
