"""AWS services. Each is a folder named after its botocore service name (``-`` as ``_``)
with a ``provider.py`` holding a ``Provider`` class of operation handlers."""
