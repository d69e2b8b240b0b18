using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Runner.Runs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Apis;

/// <summary>A run of a pipeline this system does not execute, as its pipeline reports it.</summary>
public sealed record RunReport(
    Guid? RunId,
    string? Connector,
    string? Status,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    double? LatencyMs,
    IReadOnlyList<ReportedAttempt>? Attempts,
    bool? RateLimited,
    string? ErrorType,
    string? ErrorMessage,
    JsonElement? Payload,
    TimeSpan? ExpectedInterval);

public sealed record ReportedAttempt(
    int? Number,
    DateTimeOffset? StartedAt,
    double? DurationMs,
    string? Outcome,
    int? HttpStatus,
    string? ErrorType,
    string? ErrorMessage);

public sealed record ReportReceipt(Guid RunId, string Status);

public static class RunReportsApi
{
    private static readonly TimeSpan AllowedClockSkew = TimeSpan.FromMinutes(5);

    public static IEndpointRouteBuilder MapRunReportsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/runs", ReportRun).WithTags("Runs").WithName("ReportRun")
            .WithSummary("Report a run of an outside pipeline; the same runId is accepted once");
        return app;
    }

    public static async Task<Results<Accepted<ReportReceipt>, Ok<ReportReceipt>, ValidationProblem, ProblemHttpResult>> ReportRun(
        RunReport report, RunnerStore store, RunBuffer buffer, TimeProvider time, IOptions<RunnerOptions> options,
        CancellationToken cancellationToken)
    {
        var errors = Validate(report, time.GetUtcNow());
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var run = ToRun(report, options.Value.PayloadCapBytes);
        var outcome = await store.AcceptReportAsync(run, Fingerprint(report), Activity.Current?.Id, cancellationToken);
        switch (outcome)
        {
            case ReportOutcome.Accepted:
                await buffer.EnqueueAsync(new PendingRun(run, Activity.Current?.Id, Stored: true), cancellationToken);
                return TypedResults.Accepted($"/api/runs/{run.RunId}", new ReportReceipt(run.RunId, "accepted"));
            case ReportOutcome.AlreadyAccepted:
                return TypedResults.Ok(new ReportReceipt(run.RunId, "already-accepted"));
            default:
                return TypedResults.Problem(
                    title: "Run id already reported",
                    detail: $"Run {run.RunId} was already reported with different content; a run id identifies one run.",
                    statusCode: StatusCodes.Status409Conflict);
        }
    }

    internal static Dictionary<string, string[]> Validate(RunReport report, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>();
        void Add(string field, string message) => errors[field] = [message];

        if (report.RunId is null || report.RunId == Guid.Empty)
        {
            Add("runId", "runId is required: a non-empty UUID that identifies this run (it makes the report idempotent).");
        }
        if (string.IsNullOrEmpty(report.Connector))
        {
            Add("connector", "connector is required.");
        }
        else if (!RunnerOptionsValidator.ConnectorName().IsMatch(report.Connector))
        {
            Add("connector", "connector may hold only a-z, 0-9, '_', '-' and '.' (at most 100 characters).");
        }
        if (report.Status is null)
        {
            Add("status", "status is required: succeeded or failed.");
        }
        else if (!Wire.TryParse<RunStatus>(report.Status, out _))
        {
            Add("status", $"Unknown status '{report.Status}'. Use one of: succeeded, failed.");
        }
        if (report.StartedAt is null)
        {
            Add("startedAt", "startedAt is required (ISO-8601 with an offset).");
        }
        if (report.FinishedAt is null)
        {
            Add("finishedAt", "finishedAt is required (ISO-8601 with an offset).");
        }
        if (report is { StartedAt: { } started, FinishedAt: { } finished })
        {
            if (finished < started)
            {
                Add("finishedAt", "finishedAt is before startedAt.");
            }
            else if (finished > now + AllowedClockSkew)
            {
                Add("finishedAt", "finishedAt is in the future.");
            }
        }
        if (report.LatencyMs is < 0 or double.NaN or double.PositiveInfinity)
        {
            Add("latencyMs", "latencyMs must be a non-negative number.");
        }
        if (report.ExpectedInterval is { } interval && interval <= TimeSpan.Zero)
        {
            Add("expectedInterval", "expectedInterval must be positive (e.g. \"00:15:00\").");
        }
        if (report.Attempts is { } attempts)
        {
            if (attempts.Count > 100)
            {
                Add("attempts", "At most 100 attempts.");
            }
            for (var i = 0; i < attempts.Count && i < 100; i++)
            {
                var a = attempts[i];
                var at = $"attempts[{i}]";
                if (a is null)
                {
                    Add(at, "An attempt is required, not null.");
                    continue;
                }
                if (a.Number != i + 1)
                {
                    Add($"{at}.number", $"Attempts are numbered 1, 2, 3, … in order: expected {i + 1}.");
                }
                if (a.StartedAt is null)
                {
                    Add($"{at}.startedAt", "startedAt is required.");
                }
                if (a.DurationMs is null or < 0)
                {
                    Add($"{at}.durationMs", "durationMs is required and must not be negative.");
                }
                if (a.Outcome is null || !Wire.TryParse<AttemptOutcome>(a.Outcome.Replace("_", "", StringComparison.Ordinal), out _))
                {
                    Add($"{at}.outcome", "outcome is required: succeeded, failed, rate_limited or timed_out.");
                }
                if (a.HttpStatus is < 100 or > 599)
                {
                    Add($"{at}.httpStatus", "httpStatus must be between 100 and 599.");
                }
            }
        }
        return errors;
    }

    private static RunCompleted ToRun(RunReport report, int payloadCapBytes)
    {
        var status = Wire.TryParse<RunStatus>(report.Status, out var s) ? s : RunStatus.Failed;
        var started = report.StartedAt!.Value;
        var finished = report.FinishedAt!.Value;
        var attempts = report.Attempts is { Count: > 0 } reported
            ? reported.Select(a => new RunAttempt(
                a.Number!.Value, a.StartedAt!.Value, a.DurationMs!.Value,
                Wire.TryParse<AttemptOutcome>(a.Outcome!.Replace("_", "", StringComparison.Ordinal), out var o) ? o : AttemptOutcome.Failed,
                a.HttpStatus, a.ErrorType, a.ErrorMessage)).ToList()
            : [new RunAttempt(1, started, (finished - started).TotalMilliseconds,
                status == RunStatus.Succeeded ? AttemptOutcome.Succeeded : AttemptOutcome.Failed,
                ErrorType: report.ErrorType, ErrorMessage: report.ErrorMessage)];
        var sample = report.Payload is { } payload ? PayloadSampler.Sample(payload, payloadCapBytes) : null;

        return new RunCompleted
        {
            RunId = report.RunId!.Value,
            Connector = report.Connector!,
            Source = RunSource.Reported,
            StartedAt = started,
            FinishedAt = finished,
            Status = status,
            LatencyMs = report.LatencyMs ?? (finished - started).TotalMilliseconds,
            Attempts = attempts,
            RateLimited = report.RateLimited ?? attempts.Any(a => a.Outcome == AttemptOutcome.RateLimited),
            ErrorType = report.ErrorType,
            ErrorMessage = report.ErrorMessage,
            Payload = sample?.Payload,
            PayloadTruncated = sample?.Truncated ?? false,
            PayloadBytes = sample?.OriginalBytes ?? 0,
            ExpectedInterval = report.ExpectedInterval,
        };
    }

    /// <summary>What makes two reports "the same": every field the client sent.</summary>
    private static byte[] Fingerprint(RunReport report) => SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(report));
}
