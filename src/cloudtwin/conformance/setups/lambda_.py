"""What lambda needs before its operations run.

``ct-fn`` is a Python function (a one-line handler, run for real when a variant invokes it)
with an execution role that trusts Lambda (``ct-lambda-role``, made in IAM), a published
version ``1``, an alias ``ct-alias`` on it, a resource-policy statement ``ct-sid``, an event
invoke config, a function URL and a reserved concurrency; ``ct-layer`` has one version with a
layer permission ``ct-layer-sid``; ``ct-queue`` (SQS) is the source of an event source
mapping whose UUID the mapping operations name; a code signing config exists.
"""

from __future__ import annotations

import io
import zipfile

from cloudtwin.conformance.resources import ACCOUNT, DROP, REGION, RoundTrip, ServiceSetup, Step

TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
         '{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}')
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ct-fn"


def _zip(name: str, text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, text)
    return buffer.getvalue()


CODE = _zip("app.py", "def handler(event, context):\n    return event\n")
LAYER = _zip("python/ct_layer.py", "VALUE = 1\n")

SETUP = ServiceSetup(
    steps=(
        Step("CreateRole", {"RoleName": "ct-lambda-role", "AssumeRolePolicyDocument": TRUST},
             {"role_arn": "Role.Arn"}, service="iam"),
        Step("CreateFunction", {"FunctionName": "{function}", "Runtime": "python3.12", "Role": "{role_arn}",
                                "Handler": "app.handler", "Code": {"ZipFile": CODE}},
             {"function_arn": "FunctionArn"}),
        Step("PublishVersion", {"FunctionName": "{function}"}, {"version": "Version"}),
        Step("CreateAlias", {"FunctionName": "{function}", "Name": "ct-alias", "FunctionVersion": "{version}"},
             {"alias_arn": "AliasArn"}),
        Step("AddPermission", {"FunctionName": "{function}", "StatementId": "ct-sid",
                               "Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com"}),
        Step("PutFunctionEventInvokeConfig", {"FunctionName": "{function}", "MaximumRetryAttempts": 1}),
        Step("CreateFunctionUrlConfig", {"FunctionName": "{function}", "AuthType": "NONE"}),
        Step("PublishLayerVersion", {"LayerName": "ct-layer", "Content": {"ZipFile": LAYER},
                                     "CompatibleRuntimes": ["python3.12"]},
             {"layer_version_arn": "LayerVersionArn", "layer_version": "Version"}),
        Step("AddLayerVersionPermission", {"LayerName": "ct-layer", "VersionNumber": 1, "StatementId": "ct-layer-sid",
                                           "Action": "lambda:GetLayerVersion", "Principal": "*"}),
        Step("CreateQueue", {"QueueName": "ct-queue"}, {"queue_url": "QueueUrl"}, service="sqs"),
        Step("GetQueueAttributes", {"QueueUrl": "{queue_url}", "AttributeNames": ["QueueArn"]},
             {"queue_arn": "Attributes.QueueArn"}, service="sqs"),
        Step("CreateEventSourceMapping", {"EventSourceArn": "{queue_arn}", "FunctionName": "{function}",
                                          "Enabled": False}, {"uuid": "UUID"}),
        Step("CreateCodeSigningConfig", {"AllowedPublishers": {"SigningProfileVersionArns": [
            f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-profiles/ct/abcdef"]}},
             {"signing_arn": "CodeSigningConfig.CodeSigningConfigArn"}),
    ),
    members={
        "FunctionName": "{function}", "Role": "{role_arn}", "Runtime": "python3.12", "Handler": "app.handler",
        "Code": {"ZipFile": CODE}, "ZipFile": CODE, "Qualifier": DROP, "Name": "ct-alias",
        "FunctionVersion": "{version}", "StatementId": "ct-sid", "Principal": "s3.amazonaws.com",
        "Action": "lambda:InvokeFunction", "LayerName": "ct-layer", "VersionNumber": 1,
        "Layers": ["{layer_version_arn}"], "UUID": "{uuid}", "EventSourceArn": "{queue_arn}",
        "CodeSigningConfigArn": "{signing_arn}", "Resource": "{function_arn}", "Arn": "{layer_version_arn}",
        "Payload": b"{}", "InvocationType": "RequestResponse", "ClientContext": DROP, "RevisionId": DROP,
        "CodeSha256": DROP, "Marker": DROP, "Tags": {"team": "ct"}, "TagKeys": ["team"],
        "AuthType": "NONE", "MemorySize": 128, "Timeout": 3, "PackageType": "Zip",
    },
    names={"FunctionName": ("function", "ct-fn")},
    overrides={
        "CreateFunction": {"FunctionName": "ct-new-{n}", "Layers": DROP},
        "CreateAlias": {"Name": "ct-new-alias-{n}"},
        "AddPermission": {"StatementId": "ct-new-sid-{n}"},
        "AddLayerVersionPermission": {"StatementId": "ct-new-layer-sid-{n}", "Action": "lambda:GetLayerVersion",
                                      "Principal": "*"},
        "RemoveLayerVersionPermission": {"StatementId": "ct-layer-sid"},
        "CreateEventSourceMapping": {"EventSourceArn": "{queue_arn}", "FunctionName": "ct-fn"},
        "CreateFunctionUrlConfig": {"Qualifier": "ct-alias"},
        "GetFunctionUrlConfig": {"Qualifier": DROP},
    },
    roundtrips=(
        RoundTrip("configuration",
                  Step("UpdateFunctionConfiguration", {"FunctionName": "{function}", "Timeout": 9}),
                  Step("GetFunctionConfiguration", {"FunctionName": "{function}"}), {"Timeout": 9}),
        RoundTrip("concurrency",
                  Step("PutFunctionConcurrency", {"FunctionName": "{function}", "ReservedConcurrentExecutions": 5}),
                  Step("GetFunctionConcurrency", {"FunctionName": "{function}"}),
                  {"ReservedConcurrentExecutions": 5}),
    ),
)

KNOWN_GAPS: dict[tuple[str, ...], str] = {}
