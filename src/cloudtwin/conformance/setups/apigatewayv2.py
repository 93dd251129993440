"""What apigatewayv2 needs before its operations run.

An HTTP API ``ct-api`` with an HTTP_PROXY integration, a route ``GET /ct`` targeting it, a
JWT authorizer, a stage ``ct-stage`` and a deployment to it; a WebSocket API ``ct-ws`` with
a ``$connect`` route, a mock integration, a route response, an integration response and a
model (route responses, integration responses and models are WebSocket-only); a custom
domain ``ct.example.com`` mapped to the HTTP API's stage, and a VPC link. Members naming
those resources get their identifiers.
"""

from __future__ import annotations

from cloudtwin.conformance.constraints import Constraint
from cloudtwin.conformance.resources import ACCOUNT, DROP, REGION, Choose, RoundTrip, ServiceSetup, Step

_HTTP_ROUTE_SELECTION = "$request.method $request.path"
_WS_ROUTE_SELECTION = "$request.body.action"
_SCHEMA = '{"$schema":"http://json-schema.org/draft-04/schema#","title":"ct","type":"object"}'
_ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_ctpool"
_JWT = {"Audience": ["ct-client"], "Issuer": _ISSUER}
_LAMBDA_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ct-fn"
_LAMBDA_URI = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{_LAMBDA_ARN}/invocations"
_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ct-apigw-role"

#: The WebSocket API's resources, for the operations on what only a WebSocket API has.
_WEBSOCKET = {"ApiId": "{ws_api_id}", "RouteId": "{ws_route_id}", "IntegrationId": "{ws_integration_id}"}
_WEBSOCKET_OPERATIONS = tuple(
    f"{verb}{noun}" for noun in ("Model", "RouteResponse", "IntegrationResponse")
    for verb in ("Create", "Get", "Update", "Delete")) + ("GetModels", "GetRouteResponses", "GetIntegrationResponses",
                                                           "GetModelTemplate")

SETUP = ServiceSetup(
    steps=(
        Step("CreateApi", {"Name": "ct-api", "ProtocolType": "HTTP"}, {"api_id": "ApiId"}),
        Step("CreateIntegration", {"ApiId": "{api_id}", "IntegrationType": "HTTP_PROXY", "IntegrationMethod": "ANY",
                                   "IntegrationUri": "https://example.com", "PayloadFormatVersion": "1.0"},
             {"integration_id": "IntegrationId"}),
        Step("CreateRoute", {"ApiId": "{api_id}", "RouteKey": "GET /ct", "Target": "integrations/{integration_id}"},
             {"route_id": "RouteId"}),
        Step("CreateAuthorizer", {"ApiId": "{api_id}", "AuthorizerType": "JWT", "Name": "ct-auth",
                                  "IdentitySource": ["$request.header.Authorization"], "JwtConfiguration": _JWT},
             {"authorizer_id": "AuthorizerId"}),
        Step("CreateStage", {"ApiId": "{api_id}", "StageName": "ct-stage"}),
        Step("CreateDeployment", {"ApiId": "{api_id}", "StageName": "ct-stage"}, {"deployment_id": "DeploymentId"}),
        Step("CreateApi", {"Name": "ct-ws", "ProtocolType": "WEBSOCKET", "RouteSelectionExpression": _WS_ROUTE_SELECTION},
             {"ws_api_id": "ApiId"}),
        Step("CreateIntegration", {"ApiId": "{ws_api_id}", "IntegrationType": "MOCK"},
             {"ws_integration_id": "IntegrationId"}),
        Step("CreateRoute", {"ApiId": "{ws_api_id}", "RouteKey": "$connect",
                             "Target": "integrations/{ws_integration_id}"}, {"ws_route_id": "RouteId"}),
        Step("CreateRouteResponse", {"ApiId": "{ws_api_id}", "RouteId": "{ws_route_id}",
                                     "RouteResponseKey": "$default"}, {"route_response_id": "RouteResponseId"}),
        Step("CreateIntegrationResponse", {"ApiId": "{ws_api_id}", "IntegrationId": "{ws_integration_id}",
                                           "IntegrationResponseKey": "$default"},
             {"integration_response_id": "IntegrationResponseId"}),
        Step("CreateModel", {"ApiId": "{ws_api_id}", "Name": "ctmodel", "ContentType": "application/json",
                             "Schema": _SCHEMA}, {"model_id": "ModelId"}),
        Step("CreateDomainName", {"DomainName": "{domain}"}),
        Step("CreateApiMapping", {"ApiId": "{api_id}", "DomainName": "{domain}", "Stage": "ct-stage",
                                  "ApiMappingKey": "ct"}, {"mapping_id": "ApiMappingId"}),
        Step("CreateVpcLink", {"Name": "ct-link", "SubnetIds": ["subnet-0123456789abcdef0"]},
             {"vpc_link_id": "VpcLinkId"}),
    ),
    members={
        "ApiId": "{api_id}", "IntegrationId": "{integration_id}", "RouteId": "{route_id}",
        "AuthorizerId": "{authorizer_id}", "StageName": "ct-stage", "Stage": "ct-stage",
        "DeploymentId": "{deployment_id}", "ModelId": "{model_id}", "RouteResponseId": "{route_response_id}",
        "IntegrationResponseId": "{integration_response_id}", "DomainName": "{domain}",
        "ApiMappingId": "{mapping_id}", "VpcLinkId": "{vpc_link_id}",
        "ResourceArn": f"arn:aws:apigateway:{REGION}::/apis/{{api_id}}",
        "RouteSelectionExpression": Choose("ProtocolType", {"WEBSOCKET": _WS_ROUTE_SELECTION},
                                           _HTTP_ROUTE_SELECTION),
        "SubnetIds": ["subnet-0123456789abcdef0"], "SecurityGroupIds": ["sg-0123456789abcdef0"],
        "CredentialsArn": _ROLE_ARN, "AuthorizerCredentialsArn": _ROLE_ARN,
        "JwtConfiguration": _JWT, "Tags": {"team": "ct"}, "TagKeys": ["team"],
        "MaxResults": "10", "NextToken": DROP, "ConnectionId": DROP,
        "RequestParameterKey": "route.request.querystring.ct",
    },
    names={"DomainName": ("domain", "ct.example.com")},
    overrides={
        "CreateApi": {"Name": "ct-new-{n}"},
        "CreateRoute": {"RouteKey": "GET /ct-new-{n}"},
        "UpdateRoute": {"RouteKey": "GET /ct-new-{n}"},
        "CreateStage": {"StageName": "ct-new-{n}", "DeploymentId": "{deployment_id}"},
        "CreateDomainName": {"DomainName": "ct-new-{n}.example.com"},
        "CreateApiMapping": {"ApiMappingKey": "ct-new-{n}"},
        "UpdateApiMapping": {"ApiMappingKey": "ct-new-{n}"},
        "DeleteRouteSettings": {"RouteKey": "GET /ct"},
        **{op: _WEBSOCKET for op in _WEBSOCKET_OPERATIONS},
        "CreateRouteResponse": {**_WEBSOCKET, "RouteResponseKey": "$default"},
        "CreateIntegrationResponse": {**_WEBSOCKET, "IntegrationResponseKey": "$default"},
        "CreateModel": {**_WEBSOCKET, "Name": "ctnew{n}", "Schema": _SCHEMA},
    },
    defaults={
        # "This property is required for WebSocket APIs" (CreateApi, RouteSelectionExpression)
        "CreateApi": {"RouteSelectionExpression": Choose("ProtocolType", {"WEBSOCKET": _WS_ROUTE_SELECTION})},
        # "Required for HTTP APIs" (CreateIntegration, PayloadFormatVersion); 2.0 is Lambda proxies' own
        "CreateIntegration": {"PayloadFormatVersion": Choose("IntegrationType", {"AWS_PROXY": "2.0"}, "1.0")},
    },
    roundtrips=(
        RoundTrip("tags",
                  Step("TagResource", {"ResourceArn": f"arn:aws:apigateway:{REGION}::/apis/{{api_id}}",
                                       "Tags": {"team": "ct"}}),
                  Step("GetTags", {"ResourceArn": f"arn:aws:apigateway:{REGION}::/apis/{{api_id}}"}),
                  {"Tags.team": "ct"}),
        RoundTrip("stage",
                  Step("UpdateStage", {"ApiId": "{api_id}", "StageName": "ct-stage", "Description": "ct-described"}),
                  Step("GetStage", {"ApiId": "{api_id}", "StageName": "ct-stage"}),
                  {"Description": "ct-described"}),
    ),
)

KNOWN_GAPS: dict[tuple[str, ...], str] = {}

#: Documented constraints the model leaves out (:mod:`cloudtwin.conformance.constraints`).
CONSTRAINTS = (
    Constraint("CreateApi", "Target and CorsConfiguration are supported only for HTTP APIs",
               "CreateApi, Target / CorsConfiguration documentation (botocore model): \"Supported only for HTTP "
               "APIs\"", lambda p: p.get("ProtocolType") == "WEBSOCKET"
               and (p.get("Target") is not None or p.get("CorsConfiguration") is not None)),
)
