"""A REST API method behind a Cognito user pool authorizer accepts the ID token cloudtwin's
own Cognito issued (the issuer and JWKS it publishes) and refuses a missing or altered one."""

from __future__ import annotations


def _signed_in(idp) -> tuple[str, str]:
    pool = idp.create_user_pool(PoolName="front-door")["UserPool"]
    client = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="web",
                                         ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    client_id = client["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool["Id"], Username="ana", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool["Id"], Username="ana", Password="Correct-Horse-9", Permanent=True)
    tokens = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "ana", "PASSWORD": "Correct-Horse-9"})
    return pool["Arn"], tokens["AuthenticationResult"]["IdToken"]


def test_a_cognito_token_opens_the_method(apigw, call, aws_client):
    pool_arn, id_token = _signed_in(aws_client("cognito-idp"))
    api = apigw.create_rest_api(name="guarded")
    authorizer = apigw.create_authorizer(restApiId=api["id"], name="pool", type="COGNITO_USER_POOLS",
                                         providerARNs=[pool_arn], identitySource="method.request.header.Authorization")
    resource = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="me")
    apigw.put_method(restApiId=api["id"], resourceId=resource["id"], httpMethod="GET",
                     authorizationType="COGNITO_USER_POOLS", authorizerId=authorizer["id"])
    apigw.put_integration(restApiId=api["id"], resourceId=resource["id"], httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_method_response(restApiId=api["id"], resourceId=resource["id"], httpMethod="GET", statusCode="200")
    apigw.put_integration_response(
        restApiId=api["id"], resourceId=resource["id"], httpMethod="GET", statusCode="200",
        responseTemplates={"application/json": '{"user": "$context.authorizer.claims[\'cognito:username\']"}'})
    apigw.create_deployment(restApiId=api["id"], stageName="prod")

    ok = call(api["id"], "/prod/me", headers={"Authorization": id_token})
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"user": "ana"}
    assert call(api["id"], "/prod/me").status_code == 401
    header, payload, signature = id_token.split(".")
    altered = f"{header}.{payload}.{signature[:-4]}AAAA"
    assert call(api["id"], "/prod/me", headers={"Authorization": altered}).status_code == 401
