"""The Python twin of test/languages/twin-app.ts: the same stacks, construct ids and props, with the Python API.

test_twin.py synthesizes it and compares every template, and the Aspect's findings and changes, with what the
TypeScript twin wrote (test/languages/languages.test.ts runs both).
"""
import json
import os

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

import aws_security_baseline as sb

ENV = cdk.Environment(account="111111111111", region="eu-west-1")
ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Twin12345"
ROUTES = [
    ("GET", "/orders", ["clerk", "admin"], ["https://orders.example.com/orders.read"]),
    ("POST", "/orders", ["clerk"], ["https://orders.example.com/orders.write"]),
    ("DELETE", "/orders/{id}", ["admin"], ["https://orders.example.com/orders.admin"]),
]


def legacy_resources(scope: Construct, acknowledged: list[str]) -> None:
    """Stock resources a team already has, with the findings the team accepts acknowledged on the resource."""
    bucket = s3.Bucket(scope, "Uploads", removal_policy=cdk.RemovalPolicy.DESTROY)
    log_group = logs.LogGroup(scope, "AppLogs", retention=logs.RetentionDays.ONE_WEEK, removal_policy=cdk.RemovalPolicy.DESTROY)
    sqs.Queue(scope, "Jobs", visibility_timeout=cdk.Duration.seconds(60))
    reason = "Twin test: the team keeps this stock default for now, recorded as an acknowledged finding."
    for control in acknowledged:
        sb.Acknowledgements.of(bucket if control.startswith("BUCKET") else log_group).add(f"SecurityBaseline::SecurityBaseline-{control}", reason)


def edge_stack(app: cdk.App) -> tuple[cdk.Stack, list]:
    """The Edge stack: a VPC, a JWT authorizer with its own route table, a REST API and a web firewall."""
    edge = cdk.Stack(app, "Edge", env=ENV)
    logs_key = sb.LogsKey(edge, "Logs", removal_policy=cdk.RemovalPolicy.DESTROY)
    network = sb.SecureVpc(edge, "Network", availability_zones=["eu-west-1a", "eu-west-1b"], nat_gateways=1,
                           logs_key=logs_key.key, log_removal_policy=cdk.RemovalPolicy.DESTROY)
    authorizer = sb.JwtAuthorizer(
        edge, "Authorizer",
        vpc=network.vpc,
        logs_key=logs_key.key,
        issuer=ISSUER,
        audience=["twin0client0id"],
        jwks_uri=f"{ISSUER}/.well-known/jwks.json",
        routes=[sb.RoutePermission(method=getattr(sb.HttpMethod, m), path=p, roles=r, scopes=s) for m, p, r, s in ROUTES],
    )
    zone = route53.HostedZone.from_hosted_zone_attributes(edge, "Zone", hosted_zone_id="Z0123456789TWINZONE", zone_name="orders.example.com")
    api = sb.SecureRestApi(
        edge, "Api",
        domain=sb.SecureRestApiDomainOptions(domain_name="api.orders.example.com", hosted_zone=zone),
        authorizer=authorizer.authorizer,
        logs_key=logs_key.key,
        log_removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    integration = apigateway.MockIntegration(
        request_templates={"application/json": '{"statusCode": 200}'},
        integration_responses=[apigateway.IntegrationResponse(status_code="200", response_templates={"application/json": "{}"})],
    )
    body_schema = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object", "additionalProperties": False,
                   "required": ["sku"], "properties": {"sku": {"type": "string", "maxLength": 32}}}
    for method, path, _, _ in ROUTES:
        api.add_route(
            method=getattr(sb.HttpMethod, method), path=path, integration=integration,
            method_responses=[apigateway.MethodResponse(status_code="200")], no_request_body=method != "POST",
            body_schema=body_schema if method == "POST" else None,
        )
    firewall = sb.WebFirewall(
        edge, "Firewall",
        logs_key=logs_key.key,
        log_removal_policy=cdk.RemovalPolicy.DESTROY,
        rate_limit=sb.RateLimitOptions(limit=1000),
        auth_rate_limit=sb.AuthRateLimitOptions(limit=100, paths=["/auth/"]),
    )
    firewall.associate_stage(api.stage)
    return edge, [logs_key, network, authorizer, api, firewall]


def synthesize(outdir: str) -> tuple[dict, list]:
    """Synthesizes the app into outdir, writes outcome.json there; returns it and the library's objects the app made."""
    app = cdk.App(outdir=outdir, analytics_reporting=False)

    edge, edge_objects = edge_stack(app)
    edge_baseline = sb.SecurityBaseline(mode=sb.SecurityBaselineMode.REPORT)
    cdk.Aspects.of(edge).add(edge_baseline)

    legacy_report = cdk.Stack(app, "LegacyReport", env=ENV)
    legacy_resources(legacy_report, ["BUCKET1", "BUCKET3", "LOGS1", "LOGS2"])
    report = sb.SecurityBaseline(mode=sb.SecurityBaselineMode.REPORT)
    cdk.Aspects.of(legacy_report).add(report)

    legacy_fix = cdk.Stack(app, "LegacyFix", env=ENV)
    legacy_resources(legacy_fix, ["BUCKET3", "LOGS2"])
    fix = sb.SecurityBaseline(mode=sb.SecurityBaselineMode.FIX)
    cdk.Aspects.of(legacy_fix).add(fix, priority=cdk.AspectPriority.MUTATING)

    app.synth()
    outcome = {
        "edgeFindings": sorted(f"{f.control_id} {f.path} acknowledged={str(f.acknowledged).lower()}" for f in edge_baseline.findings),
        "reportFindings": sorted(f"{f.control_id} {f.path} acknowledged={str(f.acknowledged).lower()}" for f in report.findings),
        "fixChanges": sorted(f"{c.control_id} {c.path}: {c.change}" for c in fix.changes),
    }
    with open(os.path.join(outdir, "outcome.json"), "w", encoding="utf-8") as f:
        json.dump(outcome, f, indent=2)
    return outcome, [*edge_objects, edge_baseline, report, fix]
