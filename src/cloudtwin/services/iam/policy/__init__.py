"""IAM's policy language: parse a policy document once, then evaluate requests against it.

::

    document.py    JSON text -> PolicyDocument (validated, statements compiled)
    patterns.py    wildcard and ${variable} matching of actions, resources and ARNs
    conditions.py  the condition operators (String*, Numeric*, Date*, Bool, IpAddress...)
    evaluator.py   explicit deny > allow > implicit deny over a set of policies
"""

from cloudtwin.services.iam.policy.document import PolicyDocument, PolicyError, parse_policy
from cloudtwin.services.iam.policy.evaluator import (
    Decision,
    EvaluationRequest,
    Evaluator,
    PrincipalIds,
    evaluate,
)

__all__ = [
    "Decision",
    "EvaluationRequest",
    "Evaluator",
    "PrincipalIds",
    "PolicyDocument",
    "PolicyError",
    "evaluate",
    "parse_policy",
]
