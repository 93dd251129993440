"""What the conformance harness knows about each service, one module per service (named as
its package under ``cloudtwin.services``):

- ``SETUP`` (:class:`~cloudtwin.conformance.resources.ServiceSetup`): the resources to create
  before an operation's variants run, and which input members name them;
- ``KNOWN_GAPS`` (optional): ``(operation, outcome[, violation])`` -> the reviewed reason a
  kind of failure is still open, written into the baseline beside its count.
"""
