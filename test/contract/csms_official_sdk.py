"""Drives a CSMS endpoint with Huawei's official Python SDK (huaweicloudsdkcsms), independently of the rotator's client.

    python csms_official_sdk.py <endpoint> <ak> <sk> <project_id> <secret_name>

Makes every call the rotator relies on, plus scheduled deletion and restore and the update routes the SDK offers,
signing each request SDK-HMAC-SHA256 with the SDK's own signer. Prints one JSON object: {"steps": [{"call", "result"}]}
with what each answer said; an answer the SDK refuses or an unexpected error ends the run with {"failed": ...}, exit 1.
Run by test/contract/csms-official-sdk.test.ts with the Python that scripts/bootstrap-tools.sh installs the SDK into.
"""
import json
import sys
import time

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ServiceResponseException
from huaweicloudsdkcsms.v1 import (
    CreateSecretRequest,
    CreateSecretRequestBody,
    CreateSecretVersionRequest,
    CreateSecretVersionRequestBody,
    CsmsClient,
    DeleteSecretForScheduleRequest,
    DeleteSecretForScheduleRequestBody,
    ListSecretVersionsRequest,
    RestoreSecretRequest,
    ShowSecretRequest,
    ShowSecretStageRequest,
    ShowSecretVersionRequest,
    UpdateSecretRequest,
    UpdateSecretRequestBody,
    UpdateSecretStageRequest,
    UpdateSecretStageRequestBody,
    UpdateVersionRequest,
    UpdateVersionRequestBody,
)

# compact, as JSON.stringify writes them, so the test compares them as strings
OLD_VALUE = json.dumps({"accessKeyId": "AKIASDKOLD", "secretAccessKey": "sdk-old-secret"}, separators=(",", ":"))
NEW_VALUE = json.dumps({"accessKeyId": "AKIASDKNEW", "secretAccessKey": "sdk-new-secret"}, separators=(",", ":"))


def main(endpoint, ak, sk, project_id, name):
    # the endpoint override replaces the region's https://kms.{region}.myhuaweicloud.com; with a project id the
    # credentials never call IAM to look one up
    client = CsmsClient.new_builder().with_credentials(BasicCredentials(ak, sk, project_id)).with_endpoint(endpoint).build()
    steps = []

    def step(call, request, summary):
        try:
            response = getattr(client, call)(request)
        except ServiceResponseException as error:
            fail(steps, call, {"status": error.status_code, "error_code": error.error_code, "error_msg": error.error_msg})
        steps.append({"call": call, "result": summary(response)})

    def refused(call, request):
        """A call expected to fail: its status and error code are the result."""
        try:
            getattr(client, call)(request)
        except ServiceResponseException as error:
            steps.append({"call": call, "result": {"status": error.status_code, "error_code": error.error_code}})
            return
        fail(steps, call, "succeeded, expected a refusal")

    secret = lambda r: {"name": r.secret.name, "state": r.secret.state, "description": r.secret.description,
                        "scheduled_delete_time": r.secret.scheduled_delete_time}
    metadata = lambda m: {"id": m.id, "version_stages": sorted(m.version_stages or []), "expire_time": m.expire_time}
    version = lambda r: {**metadata(r.version.version_metadata), "secret_string": r.version.secret_string}
    stage = lambda r: {"name": r.stage.name, "version_id": r.stage.version_id}
    show_version = lambda version_id: ShowSecretVersionRequest(secret_name=name, version_id=version_id)

    step("create_secret", CreateSecretRequest(body=CreateSecretRequestBody(name=name, secret_string=OLD_VALUE)), secret)
    step("show_secret", ShowSecretRequest(secret_name=name), secret)
    step("create_secret_version",
         CreateSecretVersionRequest(secret_name=name, body=CreateSecretVersionRequestBody(secret_string=NEW_VALUE)),
         lambda r: metadata(r.version_metadata))
    for version_id in ("v1", "v2", "latest", "SYSCURRENT", "SYSPREVIOUS"):
        step("show_secret_version", show_version(version_id), version)
    step("list_secret_versions", ListSecretVersionsRequest(secret_name=name),
         lambda r: [metadata(m) for m in r.version_metadatas])
    step("show_secret_stage", ShowSecretStageRequest(secret_name=name, stage_name="SYSCURRENT"), stage)
    # a custom stage, then read by its name as a version id
    step("update_secret_stage",
         UpdateSecretStageRequest(secret_name=name, stage_name="APPROVED", body=UpdateSecretStageRequestBody(version_id="v1")),
         stage)
    step("show_secret_version", show_version("APPROVED"), version)
    # the rollback the rotator's compensation does: SYSCURRENT back onto the old version, and forward again
    for version_id in ("v1", "v2"):
        step("update_secret_stage",
             UpdateSecretStageRequest(secret_name=name, stage_name="SYSCURRENT", body=UpdateSecretStageRequestBody(version_id=version_id)),
             stage)
    expire_ms = (int(time.time()) + 90 * 86400) * 1000
    step("update_version",
         UpdateVersionRequest(secret_name=name, version_id="v2", body=UpdateVersionRequestBody(expire_time=expire_ms)),
         lambda r: metadata(r.version_metadata))
    step("update_secret",
         UpdateSecretRequest(secret_name=name, body=UpdateSecretRequestBody(description="rotated by credential-rotator")),
         secret)
    # no body at all: the window defaults to 30 days
    step("delete_secret_for_schedule", DeleteSecretForScheduleRequest(secret_name=name), secret)
    refused("show_secret_version", show_version("SYSCURRENT"))
    step("restore_secret", RestoreSecretRequest(secret_name=name), secret)
    step("delete_secret_for_schedule",
         DeleteSecretForScheduleRequest(secret_name=name, body=DeleteSecretForScheduleRequestBody(recovery_window_in_days=7)),
         secret)
    step("restore_secret", RestoreSecretRequest(secret_name=name), secret)
    step("show_secret_version", show_version("SYSCURRENT"), version)

    print(json.dumps({"steps": steps}))


def fail(steps, call, detail):
    print(json.dumps({"steps": steps, "failed": {"call": call, "detail": detail}}))
    sys.exit(1)


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    main(*sys.argv[1:])
