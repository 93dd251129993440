"""What the conformance harness knows about each service, one module per service (named as
its package under ``cloudtwin.services``):

- ``SETUP`` (:class:`~cloudtwin.conformance.resources.ServiceSetup`): the resources to create
  before an operation's variants run, and which input members name them;
- ``KNOWN_GAPS`` (optional): ``(operation, outcome[, violation])`` -> the reviewed reason a
  kind of failure is still open where the harness or the model is at fault (never a
  cloudtwin bug: those are fixed), written into the baseline beside its count. No ``"*"``
  for ``accepted-invalid``; a reason that matches no gap of the baseline fails a test;
- ``CONSTRAINTS`` (optional): documented constraints the model leaves out
  (:class:`~cloudtwin.conformance.constraints.Constraint`): a valid variant refused for
  breaking one is reclassified as invalid, the constraint named;
- ``UNIONS`` (optional): structures documented as holding exactly one member.
"""
