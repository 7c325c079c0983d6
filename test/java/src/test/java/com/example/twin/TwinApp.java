package com.example.twin;

import java.util.List;
import java.util.Map;

import io.github.exampleorg.awssecuritybaseline.Acknowledgements;
import io.github.exampleorg.awssecuritybaseline.AuthRateLimitOptions;
import io.github.exampleorg.awssecuritybaseline.HttpMethod;
import io.github.exampleorg.awssecuritybaseline.JwtAuthorizer;
import io.github.exampleorg.awssecuritybaseline.LogsKey;
import io.github.exampleorg.awssecuritybaseline.RateLimitOptions;
import io.github.exampleorg.awssecuritybaseline.RoutePermission;
import io.github.exampleorg.awssecuritybaseline.SecureRestApi;
import io.github.exampleorg.awssecuritybaseline.SecureRestApiDomainOptions;
import io.github.exampleorg.awssecuritybaseline.SecureRouteOptions;
import io.github.exampleorg.awssecuritybaseline.SecureVpc;
import io.github.exampleorg.awssecuritybaseline.SecurityBaseline;
import io.github.exampleorg.awssecuritybaseline.SecurityBaselineMode;
import io.github.exampleorg.awssecuritybaseline.SecurityBaselineProps;
import io.github.exampleorg.awssecuritybaseline.WebFirewall;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.AspectOptions;
import software.amazon.awscdk.AspectPriority;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.apigateway.IntegrationResponse;
import software.amazon.awscdk.services.apigateway.MethodResponse;
import software.amazon.awscdk.services.apigateway.MockIntegration;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.route53.HostedZone;
import software.amazon.awscdk.services.route53.HostedZoneAttributes;
import software.amazon.awscdk.services.route53.IHostedZone;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.sqs.Queue;
import software.constructs.Construct;

/** The Java twin of test/languages/twin-app.ts: the same stacks, construct ids and props, with the Java API. */
public final class TwinApp {
    static final Environment ENV = Environment.builder().account("111111111111").region("eu-west-1").build();
    static final String ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Twin12345";

    /** The Aspects of one synthesis, for the comparison of their findings and changes. */
    public static final class Synthesized {
        public final SecurityBaseline edge;
        public final SecurityBaseline report;
        public final SecurityBaseline fix;

        Synthesized(SecurityBaseline edge, SecurityBaseline report, SecurityBaseline fix) {
            this.edge = edge;
            this.report = report;
            this.fix = fix;
        }
    }

    private TwinApp() {
    }

    static List<RoutePermission> routes() {
        return List.of(
            RoutePermission.builder().method(HttpMethod.GET).path("/orders").roles(List.of("clerk", "admin")).scopes(List.of("https://orders.example.com/orders.read")).build(),
            RoutePermission.builder().method(HttpMethod.POST).path("/orders").roles(List.of("clerk")).scopes(List.of("https://orders.example.com/orders.write")).build(),
            RoutePermission.builder().method(HttpMethod.DELETE).path("/orders/{id}").roles(List.of("admin")).scopes(List.of("https://orders.example.com/orders.admin")).build());
    }

    static void legacyResources(Construct scope, List<String> acknowledged) {
        Bucket bucket = Bucket.Builder.create(scope, "Uploads").removalPolicy(RemovalPolicy.DESTROY).build();
        LogGroup logGroup = LogGroup.Builder.create(scope, "AppLogs").retention(RetentionDays.ONE_WEEK).removalPolicy(RemovalPolicy.DESTROY).build();
        Queue.Builder.create(scope, "Jobs").visibilityTimeout(Duration.seconds(60)).build();
        String reason = "Twin test: the team keeps this stock default for now, recorded as an acknowledged finding.";
        for (String control : acknowledged) {
            Acknowledgements.of(control.startsWith("BUCKET") ? bucket : logGroup).add("SecurityBaseline::SecurityBaseline-" + control, reason);
        }
    }

    /** Synthesizes the twin app into outdir. */
    public static Synthesized synthesize(String outdir) {
        App app = new App(AppProps.builder().outdir(outdir).analyticsReporting(false).build());

        Stack edge = new Stack(app, "Edge", StackProps.builder().env(ENV).build());
        LogsKey logsKey = LogsKey.Builder.create(edge, "Logs").removalPolicy(RemovalPolicy.DESTROY).build();
        SecureVpc network = SecureVpc.Builder.create(edge, "Network")
            .availabilityZones(List.of("eu-west-1a", "eu-west-1b")).natGateways(1)
            .logsKey(logsKey.getKey()).logRemovalPolicy(RemovalPolicy.DESTROY).build();
        JwtAuthorizer authorizer = JwtAuthorizer.Builder.create(edge, "Authorizer")
            .vpc(network.getVpc())
            .logsKey(logsKey.getKey())
            .issuer(ISSUER)
            .audience(List.of("twin0client0id"))
            .jwksUri(ISSUER + "/.well-known/jwks.json")
            .routes(routes())
            .build();
        IHostedZone zone = HostedZone.fromHostedZoneAttributes(edge, "Zone",
            HostedZoneAttributes.builder().hostedZoneId("Z0123456789TWINZONE").zoneName("orders.example.com").build());
        SecureRestApi api = SecureRestApi.Builder.create(edge, "Api")
            .domain(SecureRestApiDomainOptions.builder().domainName("api.orders.example.com").hostedZone(zone).build())
            .authorizer(authorizer.getAuthorizer())
            .logsKey(logsKey.getKey())
            .logRemovalPolicy(RemovalPolicy.DESTROY)
            .build();
        MockIntegration integration = MockIntegration.Builder.create()
            .requestTemplates(Map.of("application/json", "{\"statusCode\": 200}"))
            .integrationResponses(List.of(IntegrationResponse.builder().statusCode("200").responseTemplates(Map.of("application/json", "{}")).build()))
            .build();
        Map<String, Object> bodySchema = Map.of(
            "$schema", "http://json-schema.org/draft-04/schema#", "type", "object", "additionalProperties", false,
            "required", List.of("sku"), "properties", Map.of("sku", Map.of("type", "string", "maxLength", 32)));
        for (RoutePermission route : routes()) {
            SecureRouteOptions.Builder options = SecureRouteOptions.builder()
                .method(route.getMethod()).path(route.getPath()).integration(integration)
                .methodResponses(List.of(MethodResponse.builder().statusCode("200").build()))
                .noRequestBody(route.getMethod() != HttpMethod.POST);
            if (route.getMethod() == HttpMethod.POST) {
                options.bodySchema(bodySchema);
            }
            api.addRoute(options.build());
        }
        WebFirewall firewall = WebFirewall.Builder.create(edge, "Firewall")
            .logsKey(logsKey.getKey())
            .logRemovalPolicy(RemovalPolicy.DESTROY)
            .rateLimit(RateLimitOptions.builder().limit(1000).build())
            .authRateLimit(AuthRateLimitOptions.builder().limit(100).paths(List.of("/auth/")).build())
            .build();
        firewall.associateStage(api.getStage());
        SecurityBaseline edgeBaseline = new SecurityBaseline(SecurityBaselineProps.builder().mode(SecurityBaselineMode.REPORT).build());
        Aspects.of(edge).add(edgeBaseline);

        Stack legacyReport = new Stack(app, "LegacyReport", StackProps.builder().env(ENV).build());
        legacyResources(legacyReport, List.of("BUCKET1", "BUCKET3", "LOGS1", "LOGS2"));
        SecurityBaseline report = new SecurityBaseline(SecurityBaselineProps.builder().mode(SecurityBaselineMode.REPORT).build());
        Aspects.of(legacyReport).add(report);

        Stack legacyFix = new Stack(app, "LegacyFix", StackProps.builder().env(ENV).build());
        legacyResources(legacyFix, List.of("BUCKET3", "LOGS2"));
        SecurityBaseline fix = new SecurityBaseline(SecurityBaselineProps.builder().mode(SecurityBaselineMode.FIX).build());
        Aspects.of(legacyFix).add(fix, AspectOptions.builder().priority(AspectPriority.MUTATING).build());

        app.synth();
        return new Synthesized(edgeBaseline, report, fix);
    }
}
