"""Service state: stores keyed by account and region."""
