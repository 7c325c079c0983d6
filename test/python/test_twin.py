"""The Python package (the wheel jsii-pacmak built) synthesizes what the TypeScript package does.

Run through `npm test` (test/languages/languages.test.ts): it builds the wheel, synthesizes the TypeScript twin into
TWIN_DIR and runs this file in a venv with the wheel installed; then it compares every template written to PY_OUT with
the twin's (only aws-cdk-lib's own handler assets may differ, since PyPI's aws-cdk-lib is another version).
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
    # the driver compares the templates written here with the twin's (PY_OUT), after the Aspect and property checks below
    outdir = os.environ.get("PY_OUT") or str(tmp_path_factory.mktemp("cdk.out"))
    outcome, objects = baseline_app.synthesize(outdir)
    return twin_dir, outdir, outcome, objects


def read(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def test_every_stack_is_written(synthesized):
    _, outdir, _, _ = synthesized
    for stack in STACKS:
        assert "Resources" in read(os.path.join(outdir, f"{stack}.template.json"))


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


def test_the_rule_packs_run_from_python_with_no_open_finding(tmp_path):
    """compliance.RulePacks adds the five cdk-nag packs and the Control Tower controls; the library's constructs pass."""
    import aws_cdk as cdk
    import cdklabs.cdk_validator_cfnguard  # noqa: F401  (an optional peer: importing it loads it into jsii's kernel)

    from aws_security_baseline import compliance

    app = cdk.App(outdir=str(tmp_path), analytics_reporting=False)
    compliance.RulePacks.add_to(app)
    baseline_app.edge_stack(app)
    app.synth()  # a finding of any pack fails synth
    evidence = compliance.Evidence.read(str(tmp_path))
    plugins = {p.name: p for p in evidence.plugins}
    assert set(compliance.RulePacks.NAMES) <= set(plugins), plugins.keys()
    assert "cdk-validator-cfnguard" in plugins
    assert [(name, len(p.open)) for name, p in plugins.items() if p.open] == []
    assert sum(len(p.acknowledged) for p in plugins.values()) > 0


def test_the_readme_python_example_synthesizes_with_every_rule_pack(tmp_path):
    """The README's Python example, run as written: install, first stack, every rule pack, the Aspect; no finding."""
    import re

    with open(os.path.join(os.path.dirname(__file__), "..", "..", "README.md"), encoding="utf-8") as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
    assert blocks, "the README has a Python example"
    handler = tmp_path / "build" / "orders"
    handler.mkdir(parents=True)
    (handler / "index.js").write_text("exports.handler = async () => ({ statusCode: 200, body: '{}' });\n")
    # jsii's kernel resolves paths from its own working folder, so the handler folder is given absolute; the rest runs as written
    example = blocks[0].replace('"build/orders"', repr(str(handler)))
    namespace = {"__name__": "readme"}
    exec(compile(example, "README.md", "exec"), namespace)  # app.synth() fails on any finding of any pack
    template = namespace["app"].synth().get_stack_by_name("Orders").template
    assert any(r["Type"] == "AWS::WAFv2::WebACLAssociation" for r in template["Resources"].values())


def test_a_bad_prop_fails_with_the_library_message():
    import aws_cdk as cdk
    import aws_security_baseline as sb
    stack = cdk.Stack(cdk.App(), "Bad")
    with pytest.raises(Exception) as raised:
        sb.SecureVpc(stack, "Network", availability_zones=[], logs_key=sb.LogsKey(stack, "Logs").key)
    assert "availabilityZones" in str(raised.value)
