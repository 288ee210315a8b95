insert or replace into runs by name
select * from read_parquet($path, hive_partitioning = false);
