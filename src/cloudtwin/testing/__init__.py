"""Helpers for testing against cloudtwin: an in-process server on a free port."""
