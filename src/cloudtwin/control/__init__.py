"""The ``/_cloudtwin/...`` control surface: health, and (later) reset, introspection, clock."""
