"""Loading a warehouse into another engine: the demo company (and any DuckDB warehouse Concord built) into
PostgreSQL (`postgres.py`: tables, a read-only role, rollups as tables) or into Parquet tables for Spark
(`spark.py`: one folder per table, rollups written by Spark). `python -m data.demo --engine postgres|spark`
calls these; the semantic layer only ever reads what they wrote (semantic/execute/)."""
