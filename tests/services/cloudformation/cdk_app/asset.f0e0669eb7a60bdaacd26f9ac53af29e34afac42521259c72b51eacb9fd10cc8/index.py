import os, boto3

def handler(event, context):
    boto3.resource("dynamodb").Table(os.environ["TABLE"]).put_item(Item={"pk": "hello"})
    return {"ok": True}
