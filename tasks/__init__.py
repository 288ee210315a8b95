"""Plain, typed pipeline functions, no Prefect: one package per stage in flow order
(discover, fetch, extract, tag, store); the modules here run a whole ingestion across them."""
