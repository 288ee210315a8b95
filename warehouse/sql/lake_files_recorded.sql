-- Every lake file the warehouse has loaded, with its row count.
select path, lake_table, rows
from lake_files;
