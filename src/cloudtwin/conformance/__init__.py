"""Conformance tests generated from botocore's service models.

Nobody here writes these cases: for every operation an implemented service claims, the
:mod:`.generators` derive variants from the model (boundaries, enums, optional members,
hypothesis draws, the models' examples, negative cases); :mod:`.resources` creates what
they name, declaratively; :mod:`.target` sends them with botocore to a live cloudtwin or any endpoint;
:mod:`.judge` (with :mod:`.output_check`, :mod:`.allowlist` and the documented
:mod:`.constraints`) decides each answer from the model alone; :mod:`.readback` reads back
what a write set; :mod:`.runner` puts it together; :mod:`.baseline` keeps the accepted result
and says what regressed; :mod:`.report` and :mod:`.coverage` print it.

Run it with ``cloudtwin conformance run`` (see ``cloudtwin conformance run --help``).
"""
