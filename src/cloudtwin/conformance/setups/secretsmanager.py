"""What secretsmanager needs before its operations run.

``ct-secret`` is encrypted under a customer managed KMS key (so ``KmsKeyId`` members name a
real key), carries a custom staging label ``ct-stage`` on its first version (so
``VersionStage`` / ``RemoveFromVersionId`` / ``MoveToVersionId`` agree with each other), a
resource policy (named ``default``, the only name AWS attaches) and a rotation schedule with a
rotation function (a real Lambda function whose policy lets Secrets Manager invoke it, so
``CancelRotateSecret`` has a rotation to cancel). ``ct-replica`` is a
cross-account replica of a primary in another account, made in this account as AWS lets a
replica account do: ``StopReplicationToReplica`` is called on it. ``ct-xreplica`` is the other
direction: a replica of ``ct-secret`` made in account ``111111111111`` (under that account's
own customer managed key), which ``AssociateCrossAccountReplica`` links from ``ct-secret``;
``DisassociateCrossAccountReplica`` gets it already linked.
"""

from __future__ import annotations

import io
import zipfile

from cloudtwin.conformance.constraints import Constraint
from cloudtwin.conformance.resources import ACCOUNT, DROP, REGION, RoundTrip, ServiceSetup, Step

FIRST_VERSION = "c7000000-0000-4000-8000-000000000001"
ROTATION_LAMBDA = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ct-rotation"
ROTATION_ROLE_TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
                       '{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}')


def _rotation_code() -> bytes:
    """The rotation function's zip (it is never run: rotations here do not start at once)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


#: A primary secret in another account of the same Region (a replica names it on creation).
OTHER_ACCOUNT = "111111111111"
CROSS_ACCOUNT_PRIMARY = f"arn:aws:secretsmanager:{REGION}:111111111111:secret:ct-primary-AbCdEf"
#: What a secret's resource policy looks like: a principal, secretsmanager actions.
RESOURCE_POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
    f'{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}]}}'
)

SETUP = ServiceSetup(
    steps=(
        Step("CreateKey", {"Description": "ct secrets"}, {"key_arn": "KeyMetadata.Arn"}, service="kms"),
        Step("CreateSecret", {"Name": "{secret}", "SecretString": "s3cr3t", "KmsKeyId": "{key_arn}",
                              "ClientRequestToken": "{version_id}"},
             {"secret_arn": "ARN", "version_id": "VersionId"}),
        Step("UpdateSecretVersionStage", {"SecretId": "{secret}", "VersionStage": "{stage}",
                                          "MoveToVersionId": "{version_id}"}),
        Step("PutResourcePolicy", {"SecretId": "{secret}", "ResourcePolicy": RESOURCE_POLICY}),
        # the rotation function exists and lets Secrets Manager invoke it, as AWS requires
        Step("CreateRole", {"RoleName": "ct-rotation-role", "AssumeRolePolicyDocument": ROTATION_ROLE_TRUST},
             {"rotation_role": "Role.Arn"}, service="iam"),
        Step("CreateFunction", {"FunctionName": "ct-rotation", "Runtime": "python3.12", "Role": "{rotation_role}",
                                "Handler": "app.handler", "Code": {"ZipFile": _rotation_code()}}, service="lambda"),
        Step("AddPermission", {"FunctionName": "ct-rotation", "StatementId": "secretsmanager",
                               "Action": "lambda:InvokeFunction", "Principal": "secretsmanager.amazonaws.com"},
             service="lambda"),
        Step("RotateSecret", {"SecretId": "{secret}", "RotationLambdaARN": ROTATION_LAMBDA,
                              "RotationRules": {"AutomaticallyAfterDays": 30}, "RotateImmediately": False}),
        Step("CreateSecret", {"Name": "ct-replica", "KmsKeyId": "{key_arn}",
                              "CrossAccountPrimaryARN": CROSS_ACCOUNT_PRIMARY}),
        # the replica half of a cross-account pair, in the other account (made before every
        # operation: the set-up's captures are all there whatever the operation); linked
        # only where an operation unlinks it
        Step("CreateKey", {"Description": "ct replica"}, {"replica_key_arn": "KeyMetadata.Arn"},
             service="kms", account=OTHER_ACCOUNT),
        Step("CreateSecret", {"Name": "ct-xreplica", "KmsKeyId": "{replica_key_arn}",
                              "CrossAccountPrimaryARN": "{secret_arn}"}, {"xreplica_arn": "ARN"},
             account=OTHER_ACCOUNT),
        Step("AssociateCrossAccountReplica", {"SecretId": "{secret}", "CrossAccountReplicaARN": "{xreplica_arn}"},
             operations=("DisassociateCrossAccountReplica",)),
    ),
    # The first version's id is the ClientRequestToken that created it, and its custom label
    # is the set-up's to choose: a variant about a version id or label at a length bound
    # gets a secret whose version / label has that very value.
    names={"SecretId": ("secret", "ct-secret"), "VersionId": ("version_id", FIRST_VERSION),
           "MoveToVersionId": ("version_id", FIRST_VERSION),
           "RemoveFromVersionId": ("version_id", FIRST_VERSION), "VersionStage": ("stage", "ct-stage")},
    members={"SecretId": "{secret}", "VersionId": "{version_id}", "VersionStage": "{stage}",
             "MoveToVersionId": "{version_id}", "RemoveFromVersionId": "{version_id}",
             "ResourcePolicy": RESOURCE_POLICY, "PolicyName": "default", "KmsKeyId": "{key_arn}",
             "RotationLambdaARN": ROTATION_LAMBDA, "CrossAccountPrimaryARN": CROSS_ACCOUNT_PRIMARY,
             "RotationRules": {"AutomaticallyAfterDays": 30, "Duration": "4h"},
             # AutomaticallyAfterDays and ScheduleExpression exclude each other (AWS refuses
             # both): a variant about the days keeps its days, not a made-up expression too.
             "ScheduleExpression": DROP,
             "AddReplicaRegions": [{"Region": "us-west-2"}], "RemoveReplicaRegions": ["us-west-2"],
             "CrossAccountReplicaARN": "{xreplica_arn}"},
    # A new version needs a value, BatchGetSecretValue names secrets either by list or by
    # filter, a staging label moves to a version: AWS refuses the request without one of them.
    defaults={"PutSecretValue": {"SecretString": "s3cr3t"},
              # (by filter: MaxResults is only taken with Filters)
              "BatchGetSecretValue": {"Filters": [{"Key": "name", "Values": ["{secret}"]}]},
              "UpdateSecretVersionStage": {"MoveToVersionId": "{version_id}"},
              # a cross-account replica must be under a customer managed key (AWS refuses the
              # AWS managed one), and the key is harmless on any other secret
              "CreateSecret": {"KmsKeyId": "{key_arn}"}},
    exclusive=(("SecretString", "SecretBinary"), ("SecretIdList", "Filters"),
               ("RecoveryWindowInDays", "ForceDeleteWithoutRecovery")),
    # (a cross-account replica takes no value, description or replica Regions: only a variant
    # about CrossAccountPrimaryARN names a primary)
    overrides={"CreateSecret": {"Name": "ct-new-{n}", "SecretBinary": DROP, "CrossAccountPrimaryARN": DROP},
               # AWS takes one value per version and one of the list / the filters, and a
               # recovery window (7 to 30 days) or no recovery at all: the rival of the
               # variant's focus is dropped, a window gets a length AWS takes
               "UpdateSecret": {"SecretBinary": DROP},
               "PutSecretValue": {"SecretBinary": DROP},
               "BatchGetSecretValue": {"SecretIdList": DROP},
               "DeleteSecret": {"ForceDeleteWithoutRecovery": DROP, "RecoveryWindowInDays": 7},
               "StopReplicationToReplica": {"SecretId": "ct-replica"}},
    roundtrips=(
        RoundTrip("secret-value",
                  Step("PutSecretValue", {"SecretId": "ct-secret", "SecretString": "round-trip"}),
                  Step("GetSecretValue", {"SecretId": "ct-secret"}), {"SecretString": "round-trip"}),
    ),
)

#: Wire artefacts common to the JSON services: botocore serializes a dict given for a list
#: as the list of its keys, so ``{"not": "a list"}`` arrives as ``["not"]``, a valid list.
KNOWN_GAPS = {
    ("CreateSecret", "bad-output"): (
        "AWS takes secret names up to 512 characters (NameType) but models the Name it returns "
        "as SecretNameType, max 256; cloudtwin returns the name it was given, as AWS does, so a "
        "name longer than 256 breaks the model's output constraint, not AWS's behaviour"),
}


def _too_short_for_each_type(params) -> bool:
    if params.get("RequireEachIncludedType") is False or "PasswordLength" not in params:
        return False
    kinds = 4 - sum(bool(params.get(flag)) for flag in
                    ("ExcludeUppercase", "ExcludeLowercase", "ExcludeNumbers", "ExcludePunctuation"))
    return int(params["PasswordLength"]) < kinds


#: Documented constraints the model leaves out (:mod:`cloudtwin.conformance.constraints`).
CONSTRAINTS = (
    Constraint("GetRandomPassword", "without RequireEachIncludedType=false the password contains at least one of "
               "every included character type, so it cannot be shorter than the number of types",
               "Secrets Manager API Reference, GetRandomPassword RequireEachIncludedType (botocore model)",
               _too_short_for_each_type),
)
