-- Tables and views of the warehouse, for the shell's .tables command.
select
    table_name as name,
    lower(replace(table_type, 'BASE ', '')) as kind
from information_schema.tables
where table_schema = 'main'
order by kind, name;
