"""How services reach each other: the in-process event bus and the internal client.

A service never imports another service's store. It either *publishes* an event for
whoever cares (S3 announcing an object was created) on the :class:`~.bus.EventBus`, or
*calls* another service's operation through the :class:`~.internal.InternalClient`
(SNS delivering to an SQS queue), exactly as a remote client would, with AWS's errors.
"""
