"""What apigateway needs before its operations run.

A REST API ``ct-api`` with a resource ``/ct`` whose ``GET`` method has a mock integration,
a ``200`` method response and integration response; a model ``ctmodel``, a request validator,
a token authorizer, a deployment to stage ``ct-stage``, a documentation part and version
``1``, a gateway response; an API key in a usage plan on that stage (and a second key
outside it), a client certificate, a custom domain ``ct.example.com`` with a base path
``ct`` to the stage, and a VPC link. Members naming those resources get their identifiers.
"""

from __future__ import annotations

from cloudtwin.conformance.resources import ACCOUNT, DROP, REGION, Choose, RoundTrip, ServiceSetup, Step

_SCHEMA = '{"$schema":"http://json-schema.org/draft-04/schema#","title":"ct","type":"object"}'
_LAMBDA_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ct-fn"
_LAMBDA_URI = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{_LAMBDA_ARN}/invocations"
_NLB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/net/ct-nlb/0123456789abcdef"
_API_ARN = f"arn:aws:apigateway:{REGION}::/restapis/{{rest_api_id}}"
_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ct-apigw-role"
_OPENAPI = (b'{"openapi":"3.0.1","info":{"title":"ct-imported","version":"1"},"paths":{"/ct":{"get":{'
            b'"x-amazon-apigateway-integration":{"type":"mock","requestTemplates":{"application/json":'
            b'"{\\"statusCode\\": 200}"}}}}}}')
_DOCUMENTATION = (b'{"openapi":"3.0.1","info":{"title":"ct","version":"1"},"paths":{},'
                  b'"x-amazon-apigateway-documentation":{"version":"2","documentationParts":['
                  b'{"location":{"type":"API"},"properties":{"description":"ct"}}]}}')
_API_KEYS = b"name,key,enabled\nct-imported,ct-imported-key-0123456789,true\n"


def _patch(path: str, value: str) -> dict:
    """A valid ``patchOperations`` for an Update operation (a variant about them keeps its own)."""
    return {"patchOperations": [{"op": "replace", "path": path, "value": value}]}


#: Update operation -> a path it takes and a value for it.
_PATCHES = {
    **{op: _patch("/description", "ct-described") for op in (
        "UpdateApiKey", "UpdateClientCertificate", "UpdateDeployment", "UpdateDocumentationVersion", "UpdateModel",
        "UpdateRestApi", "UpdateStage", "UpdateUsagePlan", "UpdateVpcLink")},
    **{op: _patch("/name", "ct-renamed") for op in ("UpdateAuthorizer", "UpdateRequestValidator")},
    "UpdateAccount": _patch("/cloudwatchRoleArn", _ROLE_ARN),
    "UpdateBasePathMapping": _patch("/stage", "ct-stage"),
    "UpdateDocumentationPart": _patch("/properties", '{"description":"ct-described"}'),
    "UpdateDomainName": _patch("/securityPolicy", "TLS_1_2"),
    "UpdateGatewayResponse": _patch("/statusCode", "404"),
    "UpdateIntegration": _patch("/timeoutInMillis", "10000"),
    "UpdateIntegrationResponse": _patch("/selectionPattern", "ct"),
    "UpdateMethod": _patch("/operationName", "ctOperation"),
    "UpdateMethodResponse": {"patchOperations": [
        {"op": "add", "path": "/responseParameters/method.response.header.ct", "value": "false"}]},
    "UpdateResource": _patch("/pathPart", "ct-renamed"),
}

#: What an integration of each type needs (PutIntegration's uri and integrationHttpMethod).
_INTEGRATION = {
    "uri": Choose("type", {"HTTP": "https://example.com/ct", "HTTP_PROXY": "https://example.com/ct",
                           "AWS": f"arn:aws:apigateway:{REGION}:sqs:path/{ACCOUNT}/ct-queue", "AWS_PROXY": _LAMBDA_URI}),
    "integrationHttpMethod": Choose("type", {"MOCK": DROP}, "POST"),
}


def _response_types() -> list[str]:
    import botocore.session

    return botocore.session.get_session().get_service_model("apigateway").shape_for("GatewayResponseType").enum


SETUP = ServiceSetup(
    steps=(
        Step("CreateRestApi", {"name": "ct-api"}, {"rest_api_id": "id", "root_id": "rootResourceId"}),
        Step("CreateResource", {"restApiId": "{rest_api_id}", "parentId": "{root_id}", "pathPart": "ct"},
             {"resource_id": "id"}),
        Step("PutMethod", {"restApiId": "{rest_api_id}", "resourceId": "{resource_id}", "httpMethod": "GET",
                           "authorizationType": "NONE"}),
        Step("PutMethodResponse", {"restApiId": "{rest_api_id}", "resourceId": "{resource_id}", "httpMethod": "GET",
                                   "statusCode": "200"}),
        Step("PutIntegration", {"restApiId": "{rest_api_id}", "resourceId": "{resource_id}", "httpMethod": "GET",
                                "type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}}),
        Step("PutIntegrationResponse", {"restApiId": "{rest_api_id}", "resourceId": "{resource_id}",
                                        "httpMethod": "GET", "statusCode": "200"}),
        Step("CreateModel", {"restApiId": "{rest_api_id}", "name": "ctmodel", "contentType": "application/json",
                             "schema": _SCHEMA}),
        Step("CreateRequestValidator", {"restApiId": "{rest_api_id}", "name": "ct-validator",
                                        "validateRequestBody": True}, {"validator_id": "id"}),
        Step("CreateAuthorizer", {"restApiId": "{rest_api_id}", "name": "ct-auth", "type": "TOKEN",
                                  "authorizerUri": _LAMBDA_URI,
                                  "identitySource": "method.request.header.Authorization"},
             {"authorizer_id": "id"}),
        Step("CreateDeployment", {"restApiId": "{rest_api_id}", "stageName": "ct-stage"}, {"deployment_id": "id"}),
        # a deployment no stage uses (AWS refuses to delete one a stage points at)
        Step("CreateDeployment", {"restApiId": "{rest_api_id}"}, {"free_deployment_id": "id"},
             operations=("DeleteDeployment",)),
        Step("CreateDocumentationPart", {"restApiId": "{rest_api_id}",
                                         "location": {"type": "METHOD", "path": "/ct", "method": "GET"},
                                         "properties": '{"description":"ct"}'}, {"doc_part_id": "id"}),
        Step("CreateDocumentationVersion", {"restApiId": "{rest_api_id}", "documentationVersion": "1"}),
        Step("PutGatewayResponse", {"restApiId": "{rest_api_id}", "responseType": "DEFAULT_4XX",
                                    "statusCode": "400"}),
        # every type customised before DeleteGatewayResponse (a default one is not there to delete)
        *(Step("PutGatewayResponse", {"restApiId": "{rest_api_id}", "responseType": kind},
               operations=("DeleteGatewayResponse",)) for kind in _response_types()),
        Step("CreateApiKey", {"name": "ct-key", "enabled": True}, {"api_key_id": "id"}),
        Step("CreateApiKey", {"name": "ct-key2", "enabled": True}, {"api_key2_id": "id"}),
        Step("CreateUsagePlan", {"name": "ct-plan", "apiStages": [{"apiId": "{rest_api_id}", "stage": "ct-stage"}]},
             {"usage_plan_id": "id"}),
        Step("CreateUsagePlanKey", {"usagePlanId": "{usage_plan_id}", "keyId": "{api_key_id}", "keyType": "API_KEY"}),
        Step("GenerateClientCertificate", {"description": "ct"}, {"client_cert_id": "clientCertificateId"}),
        Step("CreateDomainName", {"domainName": "{domain}", "regionalCertificateArn":
                                  f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/12345678-1234-1234-1234-123456789012",
                                  "endpointConfiguration": {"types": ["REGIONAL"]}}),
        Step("CreateBasePathMapping", {"domainName": "{domain}", "basePath": "ct", "restApiId": "{rest_api_id}",
                                       "stage": "ct-stage"}),
        Step("CreateVpcLink", {"name": "ct-link", "targetArns": [_NLB_ARN]}, {"vpc_link_id": "id"}),
    ),
    members={
        "restApiId": "{rest_api_id}", "resourceId": "{resource_id}", "parentId": "{root_id}",
        "httpMethod": "GET", "statusCode": "200", "authorizerId": "{authorizer_id}",
        "deploymentId": "{deployment_id}", "stageName": "ct-stage", "stage": "ct-stage", "modelName": "ctmodel",
        "requestValidatorId": "{validator_id}", "documentationPartId": "{doc_part_id}",
        "documentationVersion": "1", "usagePlanId": "{usage_plan_id}", "keyId": "{api_key_id}",
        "apiKey": "{api_key_id}", "keyType": "API_KEY", "clientCertificateId": "{client_cert_id}",
        "domainName": "{domain}", "domainNameId": DROP, "basePath": "ct", "vpcLinkId": "{vpc_link_id}",
        "resourceArn": _API_ARN, "targetArns": [_NLB_ARN], "authorizerUri": _LAMBDA_URI,
        "providerARNs": DROP, "cloneFrom": DROP, "position": DROP, "tags": {"team": "ct"}, "tagKeys": ["team"],
    },
    names={"domainName": ("domain", "ct.example.com")},
    overrides={
        "CreateResource": {"pathPart": "ct-new-{n}"},
        # "Valid values are NONE for open access, AWS_IAM ..., CUSTOM ... or COGNITO_USER_POOLS" (authorizationType)
        "PutMethod": {"resourceId": "{root_id}", "authorizationType": "NONE", "authorizerId": DROP,
                      "requestValidatorId": DROP},
        "PutMethodResponse": {"statusCode": "201"},
        "CreateRequestValidator": {"name": "ct-new-{n}"},
        "CreateAuthorizer": {"name": "ct-new-{n}"},
        "CreateStage": {"stageName": "ct-new-{n}", "documentationVersion": DROP},
        "CreateDocumentationVersion": {"documentationVersion": "ct-new-{n}"},
        "CreateDocumentationPart": {"location": {"type": "RESOURCE", "path": "/ct"}},
        "CreateDomainName": {"domainName": "ct-new-{n}.example.com"},
        "CreateBasePathMapping": {"basePath": "ct-new-{n}"},
        "CreateUsagePlanKey": {"keyId": "{api_key2_id}"},
        "CreateUsagePlan": {"apiStages": [{"apiId": "{rest_api_id}", "stage": "ct-stage"}]},
        "CreateDeployment": {"stageName": "ct-new-{n}"},
        "GetExport": {"exportType": "oas30", "accepts": "application/json"},
        "DeleteDeployment": {"deploymentId": "{free_deployment_id}"},
        "CreateModel": {"name": "ctnew{n}", "schema": _SCHEMA},
        # API key values are 20 to 128 characters (API Gateway quotas: "API key value")
        "CreateApiKey": {"stageKeys": [{"restApiId": "{rest_api_id}", "stageName": "ct-stage"}],
                         "value": "ct-key-value-0123456789-{n}"},
        "PutIntegration": {**_INTEGRATION, "connectionType": DROP, "connectionId": DROP, "credentials": _ROLE_ARN,
                           "integrationTarget": DROP},
        "ImportRestApi": {"body": _OPENAPI, "parameters": DROP},
        "PutRestApi": {"body": _OPENAPI, "parameters": DROP},
        "ImportDocumentationParts": {"body": _DOCUMENTATION},
        "ImportApiKeys": {"body": _API_KEYS, "format": "csv"},
        **_PATCHES,
    },
    # "uri ... For HTTP or HTTP_PROXY integrations, the URI must be a fully formed, encoded HTTP(S) URL
    # ... For AWS or AWS_PROXY integrations, the URI is of the form arn:aws:apigateway:..." (PutIntegration)
    defaults={"PutIntegration": _INTEGRATION, "CreateModel": {"schema": _SCHEMA}},
    roundtrips=(
        RoundTrip("tags",
                  Step("TagResource", {"resourceArn": _API_ARN, "tags": {"team": "ct"}}),
                  Step("GetTags", {"resourceArn": _API_ARN}), {"tags.team": "ct"}),
        RoundTrip("stage",
                  Step("UpdateStage", {"restApiId": "{rest_api_id}", "stageName": "ct-stage", "patchOperations": [
                      {"op": "replace", "path": "/description", "value": "ct-described"}]}),
                  Step("GetStage", {"restApiId": "{rest_api_id}", "stageName": "ct-stage"}),
                  {"description": "ct-described"}),
    ),
)

KNOWN_GAPS: dict[tuple[str, ...], str] = {}
