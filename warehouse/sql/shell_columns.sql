-- Columns of one table or view, for the shell's .schema command.
select
    column_name as "column",
    data_type as type,
    is_nullable = 'YES' as nullable
from information_schema.columns
where table_schema = 'main' and table_name = $name
order by ordinal_position;
