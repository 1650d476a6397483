"""The benchmark suite: semantic queries that stand for real use, each timed
against hand-written DuckDB SQL that gives the same answer (checked first)."""
