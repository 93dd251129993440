"""cloudtwin: a local twin of AWS, driven by botocore's service models."""

__version__ = "0.1.0"

__all__ = ["__version__"]
