"""The Python package (the wheel jsii-pacmak built) synthesizes what the TypeScript package does.

Run through `npm test` (test/languages/languages.test.ts): it builds the wheel, synthesizes the TypeScript twin into
TWIN_DIR and runs this file in a venv with the wheel installed.
"""
import json
import os

import pytest

import baseline_app

STACKS = ["Edge", "LegacyReport", "LegacyFix"]


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    twin_dir = os.environ.get("TWIN_DIR")
    if not twin_dir:
        pytest.fail("TWIN_DIR is not set: run this test through npm test (test/languages/languages.test.ts), which synthesizes the TypeScript twin")
    outdir = str(tmp_path_factory.mktemp("cdk.out"))
    outcome, objects = baseline_app.synthesize(outdir)
    return twin_dir, outdir, outcome, objects


def read(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@pytest.mark.parametrize("stack", STACKS)
def test_template_equals_the_typescript_twin(synthesized, stack):
    twin_dir, outdir, _, _ = synthesized
    assert read(os.path.join(outdir, f"{stack}.template.json")) == read(os.path.join(twin_dir, f"{stack}.template.json"))


def test_the_aspect_reports_and_fixes_what_it_does_in_typescript(synthesized):
    twin_dir, _, outcome, _ = synthesized
    twin = read(os.path.join(twin_dir, "outcome.json"))
    assert outcome == twin
    # the twin is not empty: report mode found the stock defaults and fix mode changed some
    assert outcome["edgeFindings"] == []
    assert len(outcome["reportFindings"]) == 4 and all(f.endswith("acknowledged=true") for f in outcome["reportFindings"])
    assert any(c.startswith("BUCKET1 ") for c in outcome["fixChanges"])


def test_the_route_table_reaches_the_authorizer_as_typed(synthesized):
    _, outdir, _, _ = synthesized
    template = read(os.path.join(outdir, "Edge.template.json"))
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    routes = [v for f in functions for k, v in f["Properties"].get("Environment", {}).get("Variables", {}).items() if "ROUTE" in k]
    assert routes, "the authorizer's function carries the route table"
    assert "DELETE" in routes[0] and "/orders/{id}" in routes[0]


def test_every_public_property_and_constant_reads_from_python(synthesized):
    """Every value the library hands to another language crosses jsii (frozen objects, for one, cannot): read them all."""
    import inspect

    import aws_security_baseline as sb
    from aws_security_baseline import compliance

    _, _, _, objects = synthesized
    read = []
    for obj in objects:
        for name, member in inspect.getmembers(type(obj)):
            if isinstance(member, property) and not name.startswith("_"):
                getattr(obj, name)
                read.append(f"{type(obj).__name__}.{name}")
    for module in (sb, compliance):
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__.split(".")[0] != "aws_security_baseline":
                continue
            for name in dir(cls):
                if name.isupper() and not name.startswith("_"):
                    getattr(cls, name)
                    read.append(f"{cls_name}.{name}")
    assert "SecurityBaseline.PLUGIN_NAME" in read and "WebFirewall.auth_rate_limit" in read and "SecurityBaseline.thresholds" in read
    assert len(read) > 60
    controls = sb.SecurityBaseline.controls()
    assert len(controls) > 30 and controls[0].rule_id.startswith(sb.SecurityBaseline.RULE_PREFIX)
    assert sb.SecurityBaseline.default_thresholds().minimum_password_length == 14


def test_a_bad_prop_fails_with_the_library_message():
    import aws_cdk as cdk
    import aws_security_baseline as sb
    stack = cdk.Stack(cdk.App(), "Bad")
    with pytest.raises(Exception) as raised:
        sb.SecureVpc(stack, "Network", availability_zones=[], logs_key=sb.LogsKey(stack, "Logs").key)
    assert "availabilityZones" in str(raised.value)
