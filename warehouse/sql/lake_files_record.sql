-- Record a compacted lake file as loaded: its rows are exactly the rows of the parts it replaces.
insert into lake_files (path, lake_table, rows)
values ($path, $lake_table, $rows);
