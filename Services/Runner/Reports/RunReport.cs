using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using ConnectorHealth.Contracts;

namespace ConnectorHealth.Runner.Reports;

/// <summary>A run of a pipeline this system does not execute, as its pipeline reports it.</summary>
/// <remarks>
/// Unknown properties are refused, so a misspelt field is an error rather than a silently missing value. Required fields
/// are nullable so that a missing one is named by the validator rather than by the JSON reader; the attributes tell the
/// OpenAPI document which they are.
/// </remarks>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RunReport(
    [property: Required] Guid? RunId,
    [property: Required] string? Connector,
    [property: Required] string? Status,
    [property: Required] DateTimeOffset? StartedAt,
    [property: Required] DateTimeOffset? FinishedAt,
    double? LatencyMs,
    IReadOnlyList<ReportedAttempt?>? Attempts,
    bool? RateLimited,
    string? ErrorType,
    string? ErrorMessage,
    JsonElement? Payload,
    TimeSpan? ExpectedInterval,
    string? Owner = null,
    IReadOnlyList<string?>? Tags = null);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ReportedAttempt(
    int? Number,
    DateTimeOffset? StartedAt,
    double? DurationMs,
    string? Outcome,
    int? HttpStatus,
    string? ErrorType,
    string? ErrorMessage);
