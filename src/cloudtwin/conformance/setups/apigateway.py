"""What apigateway needs before its operations run.

A REST API ``ct-api`` with a resource ``/ct`` whose ``GET`` method has a mock integration,
a ``200`` method response and integration response; a model ``ctmodel``, a request validator,
a token authorizer, a deployment to stage ``ct-stage``, a documentation part and version
``1``, a gateway response; an API key in a usage plan on that stage (and a second key
outside it), a client certificate, a custom domain ``ct.example.com`` with a base path
``ct`` to the stage, and a VPC link. Members naming those resources get their identifiers.
"""

from __future__ import annotations

from cloudtwin.conformance.resources import ACCOUNT, DROP, REGION, RoundTrip, ServiceSetup, Step

_SCHEMA = '{"$schema":"http://json-schema.org/draft-04/schema#","title":"ct","type":"object"}'
_LAMBDA_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ct-fn"
_LAMBDA_URI = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{_LAMBDA_ARN}/invocations"
_NLB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/net/ct-nlb/0123456789abcdef"
_API_ARN = f"arn:aws:apigateway:{REGION}::/restapis/{{rest_api_id}}"

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
        Step("CreateDocumentationPart", {"restApiId": "{rest_api_id}", "location": {"type": "API"},
                                         "properties": '{"description":"ct"}'}, {"doc_part_id": "id"}),
        Step("CreateDocumentationVersion", {"restApiId": "{rest_api_id}", "documentationVersion": "1"}),
        Step("PutGatewayResponse", {"restApiId": "{rest_api_id}", "responseType": "DEFAULT_4XX",
                                    "statusCode": "400"}),
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
        "PutMethod": {"resourceId": "{root_id}", "authorizerId": DROP, "requestValidatorId": DROP},
        "PutMethodResponse": {"statusCode": "201"},
        "CreateModel": {"name": "ctnew{n}", "schema": _SCHEMA},
        "CreateRequestValidator": {"name": "ct-new-{n}"},
        "CreateAuthorizer": {"name": "ct-new-{n}"},
        "CreateStage": {"stageName": "ct-new-{n}", "documentationVersion": DROP},
        "CreateDocumentationVersion": {"documentationVersion": "ct-new-{n}"},
        "CreateDocumentationPart": {"location": {"type": "RESOURCE", "path": "/ct"}},
        "CreateDomainName": {"domainName": "ct-new-{n}.example.com"},
        "CreateBasePathMapping": {"basePath": "ct-new-{n}"},
        "CreateUsagePlanKey": {"keyId": "{api_key2_id}"},
        "CreateUsagePlan": {"apiStages": [{"apiId": "{rest_api_id}", "stage": "ct-stage"}]},
        "CreateApiKey": {"stageKeys": [{"restApiId": "{rest_api_id}", "stageName": "ct-stage"}]},
        "CreateDeployment": {"stageName": "ct-new-{n}"},
        "GetExport": {"exportType": "oas30", "accepts": "application/json"},
    },
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
