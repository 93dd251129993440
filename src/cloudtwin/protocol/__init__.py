"""Wire protocols: parse an HTTP request into typed parameters, serialize results and errors.

One module per protocol family. Everything here is driven by botocore's service models;
services never see HTTP, XML, JSON or CBOR.
"""
