"""The requestUri matcher: labels, greedy labels, query literals, specificity."""

from __future__ import annotations

from cloudtwin.gateway.uri_templates import TemplateMatcher, UriTemplate, split_path


def _matcher(**operations: tuple[str, str]) -> TemplateMatcher:
    return TemplateMatcher.from_operations(operations)


def _match(matcher: TemplateMatcher, method: str, url: str):
    path, _, query_string = url.partition("?")
    query = {}
    for part in query_string.split("&") if query_string else ():
        key, _, value = part.partition("=")
        query.setdefault(key, value)
    match = matcher.match(method, split_path(path), query)
    if match is None:
        return None
    template = match.templates[0]
    return template.target, match.uri_params(template)


S3_LIKE = _matcher(
    ListBuckets=("GET", "/"),
    ListObjects=("GET", "/{Bucket}"),
    ListObjectsV2=("GET", "/{Bucket}?list-type=2"),
    GetBucketTagging=("GET", "/{Bucket}?tagging"),
    GetObject=("GET", "/{Bucket}/{Key+}"),
    GetObjectTagging=("GET", "/{Bucket}/{Key+}?tagging"),
    SelectObjectContent=("POST", "/{Bucket}/{Key+}?select&select-type=2"),
    CreateMultipartUpload=("POST", "/{Bucket}/{Key+}?uploads"),
    WriteGetObjectResponse=("POST", "/WriteGetObjectResponse"),
)


def test_split_path():
    assert split_path("/") == []
    assert split_path("") == []
    assert split_path("/a") == ["a"]
    assert split_path("/a/b/") == ["a", "b", ""]
    assert split_path("/a//b") == ["a", "", "b"]


def test_labels_and_greedy_labels_keep_their_encoding():
    assert _match(S3_LIKE, "GET", "/") == ("ListBuckets", {})
    assert _match(S3_LIKE, "GET", "/b") == ("ListObjects", {"Bucket": "b"})
    assert _match(S3_LIKE, "GET", "/b/dir/sub/file%20name.txt") == (
        "GetObject", {"Bucket": "b", "Key": "dir/sub/file%20name.txt"}
    )
    assert _match(S3_LIKE, "GET", "/b/dir/") == ("GetObject", {"Bucket": "b", "Key": "dir/"})
    assert _match(S3_LIKE, "GET", "/b//leading") == ("GetObject", {"Bucket": "b", "Key": "/leading"})


def test_query_literals_must_be_present_and_the_most_of_them_wins():
    assert _match(S3_LIKE, "GET", "/b?list-type=2") == ("ListObjectsV2", {"Bucket": "b"})
    assert _match(S3_LIKE, "GET", "/b?list-type=1") == ("ListObjects", {"Bucket": "b"})
    assert _match(S3_LIKE, "GET", "/b?tagging") == ("GetBucketTagging", {"Bucket": "b"})
    assert _match(S3_LIKE, "GET", "/b/k?tagging&versionId=3") == ("GetObjectTagging", {"Bucket": "b", "Key": "k"})
    assert _match(S3_LIKE, "POST", "/b/k?select&select-type=2") == ("SelectObjectContent", {"Bucket": "b", "Key": "k"})
    assert _match(S3_LIKE, "POST", "/b/k?select") is None
    assert _match(S3_LIKE, "POST", "/b/k?uploads") == ("CreateMultipartUpload", {"Bucket": "b", "Key": "k"})


def test_literals_beat_labels():
    assert _match(S3_LIKE, "POST", "/WriteGetObjectResponse") == ("WriteGetObjectResponse", {})


def test_methods_are_separate():
    assert _match(S3_LIKE, "DELETE", "/b") is None
    assert _match(S3_LIKE, "HEAD", "/b") is None


def test_greedy_label_followed_by_literals():
    matcher = _matcher(
        GetPortal=("GET", "/portals/{portalArn+}"),
        ListIdentityProviders=("GET", "/portals/{portalArn+}/identityProviders"),
        GetPolicy=("GET", "/mrap/instances/{name+}/policy"),
    )
    arn = "arn:aws:workspaces-web:us-east-1:123456789012:portal/abc"
    assert _match(matcher, "GET", f"/portals/{arn}") == ("GetPortal", {"portalArn": arn})
    assert _match(matcher, "GET", f"/portals/{arn}/identityProviders") == (
        "ListIdentityProviders", {"portalArn": arn}
    )
    assert _match(matcher, "GET", "/mrap/instances/a/policy/b/policy") == ("GetPolicy", {"name": "a/policy/b"})
    assert _match(matcher, "GET", "/mrap/instances/policy") is None


def test_labels_never_match_empty_segments():
    matcher = _matcher(GetThing=("GET", "/things/{id}"), ListThings=("GET", "/things"))
    assert _match(matcher, "GET", "/things/x") == ("GetThing", {"id": "x"})
    # "/things/" is ListThings with a trailing slash, not GetThing with an empty id
    assert _match(matcher, "GET", "/things/") == ("ListThings", {})


def test_trailing_slash_is_tolerated_but_ranks_below_an_exact_match():
    matcher = _matcher(CreatePlan=("PUT", "/backup/plans/"), GetPlan=("GET", "/backup/plans/{id}/"))
    exact = matcher.match("PUT", split_path("/backup/plans/"), {})
    loose = matcher.match("PUT", split_path("/backup/plans"), {})
    assert exact.templates[0].target == loose.templates[0].target == "CreatePlan"
    assert exact.score > loose.score
    assert _match(matcher, "GET", "/backup/plans/p1") == ("GetPlan", {"id": "p1"})


def test_percent_encoded_literals_still_match():
    matcher = _matcher(PutBot=("PUT", "/bots/{name}/versions/$LATEST"), GetConn=("GET", "/@connections/{id}"))
    assert _match(matcher, "PUT", "/bots/b/versions/%24LATEST") == ("PutBot", {"name": "b"})
    assert _match(matcher, "GET", "/%40connections/c1") == ("GetConn", {"id": "c1"})


def test_identical_templates_come_back_as_one_group():
    matcher = _matcher(PutObject=("PUT", "/{Bucket}/{Key+}"), CopyObject=("PUT", "/{Bucket}/{Key+}"))
    match = matcher.match("PUT", ["b", "k"], {})
    assert sorted(t.target for t in match.templates) == ["CopyObject", "PutObject"]


def test_template_score():
    assert UriTemplate.parse("x", "GET", "/a/{b}/c/{d+}?e&f=1").score == (2, 2, 1)
    assert UriTemplate.parse("x", "GET", "/backup/plans/").score == (2, 0, 0)
    assert UriTemplate.parse("x", "GET", "/{Bucket}/{Key+}").label_names == ("Bucket", "Key")
