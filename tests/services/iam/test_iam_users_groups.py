"""IAM users and groups through boto3: ids, ARNs, exact errors, pagination."""

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def iam(aws_client):
    return aws_client("iam")


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as err:
        call(*args, **kwargs)
    response = err.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_create_get_user(iam):
    user = iam.create_user(UserName="alice", Path="/eng/", Tags=[{"Key": "team", "Value": "core"}])["User"]
    assert user["UserId"].startswith("AIDA") and len(user["UserId"]) == 21
    assert user["Arn"] == "arn:aws:iam::000000000000:user/eng/alice"
    assert user["Path"] == "/eng/"
    got = iam.get_user(UserName="alice")["User"]
    assert got["UserId"] == user["UserId"]
    assert got["Tags"] == [{"Key": "team", "Value": "core"}]


def test_user_errors(iam):
    assert error_of(iam.get_user, UserName="ghost") == (
        "NoSuchEntity", "The user with name ghost cannot be found.", 404
    )
    iam.create_user(UserName="dup")
    assert error_of(iam.create_user, UserName="dup") == (
        "EntityAlreadyExists", "User with name dup already exists.", 409
    )
    # names are unique case-insensitively
    assert error_of(iam.create_user, UserName="DUP")[0] == "EntityAlreadyExists"
    assert error_of(iam.delete_user, UserName="ghost")[0] == "NoSuchEntity"


def test_get_user_without_name_is_the_caller(iam, aws_client):
    me = iam.get_user()["User"]
    assert me["Arn"] == "arn:aws:iam::000000000000:user/cloudtwin"
    assert me["UserName"] == "cloudtwin" and me["Path"] == "/"
    assert me["UserId"] == aws_client("sts").get_caller_identity()["UserId"]
    # The default principal is not one of the users IAM lists.
    assert "cloudtwin" not in [u["UserName"] for u in iam.list_users()["Users"]]
    # ... and it has no console password to change
    assert error_of(iam.change_password, OldPassword="old-Passw0rd", NewPassword="new-Passw0rd") == (
        "NoSuchEntity", "Login Profile for User cloudtwin cannot be found.", 404)


def test_update_user_renames_and_moves(iam):
    iam.create_user(UserName="old")
    iam.update_user(UserName="old", NewUserName="new", NewPath="/moved/")
    user = iam.get_user(UserName="new")["User"]
    assert user["Arn"] == "arn:aws:iam::000000000000:user/moved/new"
    assert error_of(iam.get_user, UserName="old")[0] == "NoSuchEntity"


def test_delete_user_conflicts(iam):
    iam.create_user(UserName="busy")
    iam.create_access_key(UserName="busy")
    assert error_of(iam.delete_user, UserName="busy") == (
        "DeleteConflict", "Cannot delete entity, must delete access keys first.", 409
    )
    key = iam.list_access_keys(UserName="busy")["AccessKeyMetadata"][0]["AccessKeyId"]
    iam.delete_access_key(UserName="busy", AccessKeyId=key)
    iam.put_user_policy(UserName="busy", PolicyName="p", PolicyDocument=
                        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}')
    assert error_of(iam.delete_user, UserName="busy")[1] == (
        "Cannot delete entity, must delete policies first."
    )
    iam.delete_user_policy(UserName="busy", PolicyName="p")
    iam.delete_user(UserName="busy")
    assert error_of(iam.get_user, UserName="busy")[0] == "NoSuchEntity"


def test_list_users_paginates_with_marker(iam):
    for i in range(7):
        iam.create_user(UserName=f"user{i}", Path="/a/" if i % 2 else "/")
    first = iam.list_users(MaxItems=3)
    assert [u["UserName"] for u in first["Users"]] == ["user0", "user1", "user2"]
    assert first["IsTruncated"] is True and first["Marker"]
    second = iam.list_users(MaxItems=3, Marker=first["Marker"])
    assert [u["UserName"] for u in second["Users"]] == ["user3", "user4", "user5"]
    last = iam.list_users(MaxItems=3, Marker=second["Marker"])
    assert [u["UserName"] for u in last["Users"]] == ["user6"]
    assert last["IsTruncated"] is False and "Marker" not in last
    pages = iam.get_paginator("list_users").paginate(PathPrefix="/a/", PaginationConfig={"PageSize": 2})
    assert [u["UserName"] for p in pages for u in p["Users"]] == ["user1", "user3", "user5"]


def test_user_tags(iam):
    iam.create_user(UserName="t")
    iam.tag_user(UserName="t", Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    iam.tag_user(UserName="t", Tags=[{"Key": "a", "Value": "3"}])
    assert iam.list_user_tags(UserName="t")["Tags"] == [
        {"Key": "a", "Value": "3"}, {"Key": "b", "Value": "2"}
    ]
    iam.untag_user(UserName="t", TagKeys=["a"])
    assert iam.list_user_tags(UserName="t")["Tags"] == [{"Key": "b", "Value": "2"}]


def test_groups_and_membership(iam):
    group = iam.create_group(GroupName="admins")["Group"]
    assert group["GroupId"].startswith("AGPA")
    assert group["Arn"] == "arn:aws:iam::000000000000:group/admins"
    assert error_of(iam.create_group, GroupName="admins") == (
        "EntityAlreadyExists", "Group with name admins already exists.", 409
    )
    iam.create_user(UserName="u1")
    iam.create_user(UserName="u2")
    iam.add_user_to_group(GroupName="admins", UserName="u1")
    iam.add_user_to_group(GroupName="admins", UserName="u2")
    got = iam.get_group(GroupName="admins")
    assert [u["UserName"] for u in got["Users"]] == ["u1", "u2"]
    assert got["Group"]["GroupName"] == "admins"
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="u1")["Groups"]] == ["admins"]
    assert error_of(iam.delete_group, GroupName="admins") == (
        "DeleteConflict", "Cannot delete entity, must remove users from group first.", 409
    )
    iam.update_group(GroupName="admins", NewGroupName="operators")
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="u2")["Groups"]] == ["operators"]
    iam.remove_user_from_group(GroupName="operators", UserName="u1")
    iam.remove_user_from_group(GroupName="operators", UserName="u2")
    iam.delete_group(GroupName="operators")
    assert error_of(iam.get_group, GroupName="operators") == (
        "NoSuchEntity", "The group with name operators cannot be found.", 404
    )


def test_iam_is_global_and_per_account(aws_client):
    aws_client("iam").create_user(UserName="everywhere")
    west = aws_client("iam", region="eu-west-1")
    assert west.get_user(UserName="everywhere")["User"]["UserName"] == "everywhere"
    other = aws_client("iam", aws_access_key_id="333333333333", aws_secret_access_key="x")
    assert error_of(other.get_user, UserName="everywhere")[0] == "NoSuchEntity"


def test_a_marker_not_from_a_previous_page_is_refused(iam):
    assert error_of(iam.list_users, Marker="not-a-marker!") == ("ValidationError", "Invalid Marker.", 400)
