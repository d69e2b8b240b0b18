using System.Security.Cryptography;
using System.Text.Json;
using ConnectorHealth.Contracts;

namespace ConnectorHealth.Runner.Reports;

/// <summary>A valid report as the run the pipeline carries: the canonical run of <see cref="RunDefinition"/>.</summary>
public static class ReportedRun
{
    /// <param name="payloadBytes">The payload's size, as the validator measured it.</param>
    public static RunCompleted ToRunCompleted(this RunReport report, long payloadBytes) => RunDefinition.Canonical(Read(report, payloadBytes));

    private static RunCompleted Read(RunReport report, long payloadBytes)
    {
        var status = EnumNames.TryParse<RunStatus>(report.Status, out var s) ? s : RunStatus.Failed;
        var started = report.StartedAt!.Value;
        var finished = report.FinishedAt!.Value;
        var attempts = report.Attempts is { Count: > 0 } reported
            ? reported.Select(a => new RunAttempt(
                a!.Number!.Value, a.StartedAt!.Value, a.DurationMs!.Value,
                RunReportValidator.TryParseOutcome(a.Outcome!, out var o) ? o : AttemptOutcome.Failed,
                a.HttpStatus, a.ErrorType, a.ErrorMessage)).ToList()
            : [new RunAttempt(1, started, (finished - started).TotalMilliseconds,
                status == RunStatus.Succeeded ? AttemptOutcome.Succeeded : AttemptOutcome.Failed,
                ErrorType: report.ErrorType, ErrorMessage: report.ErrorMessage)];

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
            // Within every limit (the validator saw to it), so carried whole.
            Payload = report.Payload is { ValueKind: not JsonValueKind.Undefined } payload ? payload : null,
            PayloadBytes = payloadBytes,
            ExpectedInterval = report.ExpectedInterval,
            Owner = report.Owner,
            Tags = report.Tags is { Count: > 0 } tags ? [.. tags.Select(tag => tag!)] : null,
        };
    }

    /// <summary>
    /// What makes two reports "the same": the canonical run they make, so the same run reported with another offset or
    /// a digit past the microsecond is the same report.
    /// </summary>
    public static byte[] Fingerprint(this RunCompleted run) => SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(run));
}
