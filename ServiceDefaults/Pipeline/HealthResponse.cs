using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ConnectorHealth.ServiceDefaults.Pipeline;

/// <summary>The JSON of <c>/health</c>: the overall status and each check's, with its description.</summary>
public sealed record HealthResponse(string Status, double TotalDurationMs, IReadOnlyList<HealthCheckEntry> Checks)
{
    public static HealthResponse From(HealthReport report) => new(
        report.Status.ToString(),
        Math.Round(report.TotalDuration.TotalMilliseconds, 1),
        [.. report.Entries.Select(e => new HealthCheckEntry(
            e.Key, e.Value.Status.ToString(), e.Value.Description ?? e.Value.Exception?.Message, [.. e.Value.Tags]))]);

    /// <summary>Writes the report as JSON; the status code stays ASP.NET's (200 for Healthy and Degraded, 503 for Unhealthy).</summary>
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(context.Response.Body, From(report), HealthJsonContext.Default.HealthResponse, context.RequestAborted);
    }
}

public sealed record HealthCheckEntry(string Name, string Status, string? Description, IReadOnlyList<string> Tags);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(HealthResponse))]
public sealed partial class HealthJsonContext : JsonSerializerContext;
