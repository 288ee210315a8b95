"""Store: raw pages to WARC, records to the Parquet lake and on into the warehouse; compaction and
rebuilds; what newsflow prepares once per machine in the user's cache."""
