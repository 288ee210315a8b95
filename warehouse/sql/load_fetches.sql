insert into fetches by name
select * from read_parquet($path, hive_partitioning = false);
