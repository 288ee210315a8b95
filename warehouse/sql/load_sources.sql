-- The newest run's description of each outlet wins.
insert or replace into sources by name
select * from read_parquet($path, hive_partitioning = false);
