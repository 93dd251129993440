"""Contract testing: a proxy that sends the same traffic to a reference (AWS) and a target
(cloudtwin), compares the answers through the service models, and reports the differences.

``cloudtwin contract --target URL --reference URL|aws ...`` on the command line;
:class:`ContractProxy` from Python.
"""

from cloudtwin.contract.compare import DEFAULT_IGNORE, SEVERITIES
from cloudtwin.contract.proxy import ContractProxy
from cloudtwin.contract.report import summary_table

__all__ = ["ContractProxy", "DEFAULT_IGNORE", "SEVERITIES", "summary_table"]
