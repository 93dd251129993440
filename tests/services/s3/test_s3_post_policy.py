"""POST Object (browser form uploads): S3's answers to forms its policy refuses."""

import xml.etree.ElementTree as ET

import urllib3

http = urllib3.PoolManager()


def _error(response) -> dict[str, str]:
    return {child.tag: child.text or "" for child in ET.fromstring(response.data)}


def test_content_length_range_errors_name_the_sizes(s3, bucket):
    post = s3.generate_presigned_post(bucket, "k", Conditions=[["content-length-range", 5, 10]], ExpiresIn=60)
    big = http.request("POST", post["url"], fields={**post["fields"], "file": ("f", b"a" * 12)})
    assert big.status == 400
    error = _error(big)
    assert (error["Code"], error["ProposedSize"], error["MaxSizeAllowed"]) == ("EntityTooLarge", "12", "10")
    small = http.request("POST", post["url"], fields={**post["fields"], "file": ("f", b"a")})
    error = _error(small)
    assert (small.status, error["Code"], error["ProposedSize"], error["MinSizeAllowed"]) == (400, "EntityTooSmall", "1", "5")
    ok = http.request("POST", post["url"], fields={**post["fields"], "file": ("f", b"a" * 10)})
    assert ok.status == 204


def test_uncastable_length_range_fails_the_condition(s3, bucket):
    post = s3.generate_presigned_post(bucket, "k", Conditions=[["content-length-range", "small", "10"]], ExpiresIn=60)
    refused = http.request("POST", post["url"], fields={**post["fields"], "file": ("f", b"a")})
    assert refused.status == 403
    assert _error(refused)["Message"] == (
        'Invalid according to Policy: Policy Condition failed: ["content-length-range", "small", "10"]'
    )


def test_conditions_are_quoted_as_written(s3, bucket):
    post = s3.generate_presigned_post(
        bucket, "k", Fields={"success_action_redirect": "http://example.test/a"},
        Conditions=[["eq", "success_action_redirect", "http://example.test/a"]], ExpiresIn=60,
    )
    refused = http.request("POST", post["url"], fields={**post["fields"], "file": ("f", b"x")})
    # without its "$" the condition names no form field: it cannot hold
    assert refused.status == 403
    assert _error(refused)["Message"] == (
        'Invalid according to Policy: Policy Condition failed: ["eq", "success_action_redirect", "http://example.test/a"]'
    )


def test_simple_condition_with_two_properties_is_invalid(s3, bucket):
    post = s3.generate_presigned_post(
        bucket, "k", Fields={"acl": "private"}, Conditions=[{"bucket": bucket, "acl": "private"}], ExpiresIn=60,
    )
    refused = http.request("POST", post["url"], fields={**post["fields"], "file": ("f", b"x")})
    error = _error(refused)
    assert refused.status == 400 and error["Code"] == "InvalidPolicyDocument"
    assert error["Message"] == "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."


def test_post_that_is_not_a_form_is_a_failed_precondition(s3, bucket):
    post = s3.generate_presigned_post(bucket, "k", ExpiresIn=60)
    refused = http.request(
        "POST", post["url"], fields={**post["fields"], "file": ("f", b"x")}, encode_multipart=False,
    )
    error = _error(refused)
    assert refused.status == 412 and error["Code"] == "PreconditionFailed"
    assert error["Condition"] == "Bucket POST must be of the enclosure-type multipart/form-data"


def test_form_upload_answers_with_the_virtual_host_url(s3, bucket):
    post = s3.generate_presigned_post(
        bucket, "a b.txt", Fields={"success_action_status": "201"},
        Conditions=[{"success_action_status": "201"}], ExpiresIn=60,
    )
    created = http.request("POST", post["url"], fields={**post["fields"], "file": ("f", b"x")})
    assert created.status == 201
    location = created.headers["Location"]
    host = post["url"].split("/")[2]
    assert location.startswith(f"http://{bucket}.") and location.endswith("/a%20b.txt")
    assert host.split(":")[-1] in location  # the port the form was sent to
    assert _error(created)["Location"] == location


def test_form_signed_with_session_credentials(aws_client, s3, bucket):
    credentials = aws_client("sts").get_session_token()["Credentials"]
    session_s3 = aws_client(
        "s3", aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    post = session_s3.generate_presigned_post(bucket, "by-session", ExpiresIn=60)
    ok = http.request("POST", post["url"], fields={**post["fields"], "file": ("f", b"abc")})
    assert ok.status == 204, ok.data
    assert s3.get_object(Bucket=bucket, Key="by-session")["Body"].read() == b"abc"
    signature = "signature" if "signature" in post["fields"] else "x-amz-signature"
    forged = http.request("POST", post["url"], fields={**post["fields"], signature: "AAAA", "file": ("f", b"x")})
    assert forged.status == 403 and _error(forged)["Code"] == "SignatureDoesNotMatch"
