"""Custom metrics and groupings in the metadata store (migration 012): versions, sharing, certification,
and who uses them. The API is re-exported by data/custom_store.py."""
