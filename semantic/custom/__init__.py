"""Custom metrics and groupings that users define in the app, drafts until certified."""
