"""What iam needs before its operations run."""

from __future__ import annotations

from cloudtwin.conformance.resources import RoundTrip, ServiceSetup, Step
from cloudtwin.conformance.setups.documents import POLICY, TRUST

SETUP = ServiceSetup(
    steps=(
        Step("CreateUser", {"UserName": "{user}"}),
        Step("CreateRole", {"RoleName": "{role}", "AssumeRolePolicyDocument": TRUST}),
        Step("CreateGroup", {"GroupName": "{group}"}),
        Step("CreatePolicy", {"PolicyName": "ct-policy", "PolicyDocument": POLICY}, {"policy_arn": "Policy.Arn"}),
        Step("CreateAccessKey", {"UserName": "{user}"}, {"access_key": "AccessKey.AccessKeyId"}),
        Step("CreateInstanceProfile", {"InstanceProfileName": "{profile}"}),
        Step("CreateOpenIDConnectProvider", {"Url": "https://oidc.ct.example", "ClientIDList": ["ct"],
                                             "ThumbprintList": ["a" * 40]},
             {"oidc_arn": "OpenIDConnectProviderArn"}),
        Step("CreateVirtualMFADevice", {"VirtualMFADeviceName": "ct-mfa"},
             {"serial": "VirtualMFADevice.SerialNumber"}),
        Step("CreateLoginProfile", {"UserName": "{user}", "Password": "Ct-Passw0rd!"}),
    ),
    names={"UserName": ("user", "ct-user"), "RoleName": ("role", "ct-role"),
           "GroupName": ("group", "ct-group"), "InstanceProfileName": ("profile", "ct-profile")},
    members={"UserName": "{user}", "RoleName": "{role}", "GroupName": "{group}",
             "PolicyArn": "{policy_arn}", "PolicyName": "ct-policy", "PolicyDocument": POLICY,
             "AssumeRolePolicyDocument": TRUST, "AccessKeyId": "{access_key}",
             "InstanceProfileName": "{profile}", "OpenIDConnectProviderArn": "{oidc_arn}",
             "SerialNumber": "{serial}", "VersionId": "v1", "DefaultVersionId": "v1"},
    overrides={"CreateUser": {"UserName": "ct-new-{n}"}, "CreateRole": {"RoleName": "ct-new-{n}"},
           "CreateGroup": {"GroupName": "ct-new-{n}"}, "CreatePolicy": {"PolicyName": "ct-new-{n}"},
           "CreateInstanceProfile": {"InstanceProfileName": "ct-new-{n}"}},
    roundtrips=(
        RoundTrip("user-path",
                  Step("CreateUser", {"UserName": "ct-rt", "Path": "/rt/"}),
                  Step("GetUser", {"UserName": "ct-rt"}), {"User.Path": "/rt/"}),
    ),
)
