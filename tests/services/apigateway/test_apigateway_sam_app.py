"""A SAM application (a function with an API event and a table) deployed through the SAM
transform onto API Gateway's, Lambda's, IAM's and DynamoDB's resource handlers, and called."""

from __future__ import annotations

SAM_APP = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Table:
    Type: AWS::Serverless::SimpleTable
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        import json, os
        def handler(event, context):
            return {"statusCode": 200, "body": json.dumps({"table": os.environ["TABLE"], "path": event["path"]})}
      Environment:
        Variables:
          TABLE: !Ref Table
      Policies:
        - DynamoDBCrudPolicy:
            TableName: !Ref Table
      Events:
        Get:
          Type: Api
          Properties:
            Path: /hello
            Method: get
Outputs:
  ApiId: {Value: !Ref ServerlessRestApi}
  Table: {Value: !Ref Table}
"""


def test_sam_function_with_api_event_and_table_is_called(stack, aws_client, call):
    _, out = stack(SAM_APP, name="sam-app", Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
    assert aws_client("dynamodb").describe_table(TableName=out["Table"])["Table"]["TableStatus"] == "ACTIVE"
    response = call(out["ApiId"], "/Prod/hello")
    assert response.status_code == 200, response.text
    assert response.json() == {"table": out["Table"], "path": "/hello"}
