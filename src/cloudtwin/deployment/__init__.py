"""Deploying resources: the seam between CloudFormation's engine and the services.

Each service owns the CloudFormation resource handlers of its resource types, in
``services/<name>/resources.py`` (a module-level ``HANDLERS`` list of
:class:`~cloudtwin.deployment.handler.ResourceHandler` subclasses). The engine only
discovers them (:mod:`cloudtwin.deployment.discovery`), orders them and calls them.
"""
