"""The ASGI gateway: from an HTTP request to a service handler and back."""
