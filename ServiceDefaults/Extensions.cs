using System.Text.Json.Serialization;
using ConnectorHealth.Contracts;
using ConnectorHealth.ServiceDefaults;
using HealthChecks.UI.Client;
using MassTransit.Logging;
using MassTransit.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

// Lives in the hosting namespace so every service finds it without a using, as in the Aspire templates.
namespace Microsoft.Extensions.Hosting;

public static class Extensions
{
    private const string HealthEndpointPath = "/health";
    private const string AlivenessEndpointPath = "/alive";

    /// <summary>
    /// Adds what every ConnectorHealth service shares: OpenTelemetry, health checks, service discovery,
    /// resilient HTTP clients and problem details.
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.AddBadInputProblems();
        // Every OpenAPI document a service adds (AddOpenApi) declares the problem answers all routes share.
        builder.Services.ConfigureAll<OpenApiOptions>(OpenApiDescriptions.Configure);
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        return builder;
    }

    /// <summary>
    /// Exports traces, metrics and logs over OTLP (to the Aspire dashboard when run by the AppHost),
    /// including MassTransit's and Npgsql's spans so one run reads as one trace across the services.
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(InstrumentationOptions.MeterName)
                .AddMeter(global::ConnectorHealth.ServiceDefaults.Telemetry.MeterName))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(DiagnosticHeaders.DefaultListenerName)
                .AddSource(global::ConnectorHealth.ServiceDefaults.Telemetry.ActivitySourceName)
                .AddAspNetCoreInstrumentation(options =>
                    // Health probes and a service's warm-up requests would drown the traces that matter.
                    options.Filter = context =>
                        !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                        && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath)
                        && !WarmUpRequests.IsWarmUp(context.Request))
                .AddHttpClientInstrumentation(options =>
                    options.FilterHttpRequestMessage = request => !WarmUpRequests.IsWarmUp(request)));

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// Makes every answer to bad input a 4xx with RFC 9457 problem details: unreadable JSON bodies name the field,
    /// bad query values and path segments name the parameter, over-long URLs and bodies get 414 and 413, a query
    /// parameter given twice gets 400, a body that is not UTF-8 JSON gets 415. Reads JSON strictly: duplicate and
    /// unknown properties, numbers written as strings ("NaN", "1e3") and enums other than their exact names are rejected.
    /// </summary>
    public static TBuilder AddBadInputProblems<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<RequestLimitsOptions>()
            .BindConfiguration(RequestLimitsOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<RequestLimitsOptions>>((kestrel, limits) =>
        {
            // Kestrel answers its own limits with an empty body before any middleware runs. Set them well above
            // RequestLimits, so RequestTargetChecks and the body reader answer first, with problem details.
            kestrel.Limits.MaxRequestLineSize = Math.Max(kestrel.Limits.MaxRequestLineSize, 64 * 1024);
            kestrel.Limits.MaxRequestHeadersTotalSize = Math.Max(kestrel.Limits.MaxRequestHeadersTotalSize, 96 * 1024);
            kestrel.Limits.Http2.MaxRequestHeaderFieldSize = Math.Max(kestrel.Limits.Http2.MaxRequestHeaderFieldSize, 64 * 1024);
            kestrel.Limits.MaxRequestBodySize = limits.Value.MaxBodyBytes;
        });

        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // Statuses without a default title (413, 414, 431 …) still get one a person can read.
            context.ProblemDetails.Title ??= ReasonPhrases.GetReasonPhrase(context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode);
        });
        builder.Services.AddExceptionHandler<BadRequestProblems>();
        // Outside Development, minimal APIs answer a body they cannot read with a bare 400; thrown, the exception
        // reaches BadRequestProblems, which can say which field was wrong.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            // {"status":"failed","status":"succeeded"} means nothing one can act on; the last-wins default hides a bug.
            options.SerializerOptions.AllowDuplicateProperties = false;
            // The web defaults read numbers from strings, which lets "NaN" and "Infinity" into doubles (a latency
            // of NaN ms poisons every average it joins); a number is a JSON number. This also makes the OpenAPI
            // documents type numbers as numbers instead of "integer or string".
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            // A misspelt member ({"consecutiveFailur": 5}) read as "not given" silently does something else than asked
            // (clears an override, re-drives everything): refuse it, named, like any other bad value.
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            // Enums by their one spelling only: no comma lists ("succeeded, failed"), numbers or other case.
            options.SerializerOptions.Converters.Add(new StrictEnumConverterFactory());
        });
        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"])
            .AddCheck<CacheSizesHealthCheck>(CacheSizesHealthCheck.Name);
        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (every check must pass: ready for traffic; JSON of the HealthChecks UI, read with
    /// <see cref="HealthReportJson"/>) and <c>/alive</c> (the process answers).
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // A request the server cannot read (malformed JSON, a body too large) is the client's error: 4xx, not 500.
        app.UseExceptionHandler();
        // 404 (no route, a failed route constraint), 405 and the like come without a body: give them problem details.
        app.UseStatusCodePages();
        // Routes here rather than first (WebApplication's default), so that HEAD finds the GET endpoints.
        app.UseHeadWhereGet();
        app.UseMiddleware<RequestTargetChecks>();
        app.UseMiddleware<JsonMediaType>();

        app.MapHealthChecks(HealthEndpointPath, new HealthCheckOptions
        {
            // Each check's status and description, so Degraded and Unhealthy say why; the status code stays ASP.NET's
            // (200 for Healthy and Degraded, 503 for Unhealthy). Read it back with HealthReportJson.
            ResponseWriter = UIResponseWriter.WriteHealthCheckUIResponse,
        });
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains("live"),
        });
        return app;
    }
}
