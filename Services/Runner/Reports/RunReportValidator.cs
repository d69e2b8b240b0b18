using ConnectorHealth.Contracts;
using ConnectorHealth.Runner.Payloads;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.Runner.Reports;

/// <summary>
/// The door of <c>POST /api/runs</c>: a report is accepted only if every later stage can carry and store it, so that
/// <c>202</c> means "will be stored".
/// </summary>
public static class RunReportValidator
{
    public static ReportProblems Validate(RunReport report, DateTimeOffset now, ReportLimits limits, PayloadLimits payloadLimits)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        void Add(string field, string message) => errors.TryAdd(field, [message]);

        if (report.RunId is null || report.RunId == Guid.Empty)
        {
            Add("runId", "runId is required: a non-empty UUID that identifies this run (it makes the report idempotent).");
        }
        if (string.IsNullOrEmpty(report.Connector))
        {
            Add("connector", "connector is required.");
        }
        else if (!RunDefinition.IsConnectorName(report.Connector))
        {
            Add("connector", $"connector must be {RunDefinition.ConnectorNameRule}, the whole value (it is used in URLs).");
        }
        if (report.Status is null)
        {
            Add("status", "status is required: succeeded or failed.");
        }
        else if (!EnumNames.TryParse<RunStatus>(report.Status, out _))
        {
            Add("status", $"Unknown status '{Shown(report.Status)}'. Use one of: {EnumNames.List<RunStatus>()}.");
        }

        ValidateTimes(report, now, limits, Add);
        ValidateText(report.ErrorType, "errorType", RunDefinition.MaxErrorTypeLength, Add);
        ValidateText(report.ErrorMessage, "errorMessage", RunDefinition.MaxErrorMessageLength, Add);

        if (report.ExpectedInterval is { } interval && RunDefinition.IntervalProblem(interval) is { } intervalProblem)
        {
            Add("expectedInterval", intervalProblem);
        }
        if (report.Owner is { } owner && RunDefinition.OwnerProblem(owner) is { } ownerProblem)
        {
            Add("owner", ownerProblem);
        }
        if (report.Tags is { } tags && RunDefinition.TagsProblem(tags) is { } tagsProblem)
        {
            Add("tags", tagsProblem);
        }
        if (report.Attempts is { } attempts)
        {
            ValidateAttempts(report, attempts, limits, Add);
        }

        var tooLarge = false;
        long payloadBytes = 0;
        if (report.Payload is { } payload)
        {
            var inspection = PayloadInspector.Inspect(payload, payloadLimits);
            payloadBytes = inspection.Bytes;
            foreach (var finding in inspection.Findings)
            {
                tooLarge |= finding.Limit == PayloadLimit.Bytes;
                Add(finding.Path, finding.Message);
            }
        }
        return new ReportProblems(errors, tooLarge, payloadBytes);
    }

    private static void ValidateTimes(RunReport report, DateTimeOffset now, ReportLimits limits, Action<string, string> add)
    {
        if (report.StartedAt is not { } started)
        {
            add("startedAt", "startedAt is required (ISO-8601 with an offset).");
        }
        else if (started < now - limits.MaxRunAge)
        {
            add("startedAt", $"startedAt is more than {limits.MaxRunAge.TotalDays:0.##} days ago: runs that old are past the retention of run history.");
        }
        else if (started > now + limits.ClockSkew)
        {
            add("startedAt", $"startedAt is in the future (more than {limits.ClockSkew.TotalMinutes:0.##} minutes ahead of the server's clock).");
        }

        if (report.FinishedAt is not { } finished)
        {
            add("finishedAt", "finishedAt is required (ISO-8601 with an offset).");
        }
        else if (finished > now + limits.ClockSkew)
        {
            add("finishedAt", $"finishedAt is in the future (more than {limits.ClockSkew.TotalMinutes:0.##} minutes ahead of the server's clock).");
        }
        else if (report.StartedAt is { } start && finished < start)
        {
            add("finishedAt", "finishedAt is before startedAt.");
        }

        if (report.LatencyMs is { } latency)
        {
            if (!RunDefinition.IsDuration(latency))
            {
                add("latencyMs", "latencyMs must be a finite, non-negative number of milliseconds.");
            }
            else if (Duration(report) is { } duration && latency > duration + limits.DurationTolerance.TotalMilliseconds)
            {
                add("latencyMs", $"latencyMs ({latency:0.###}) is longer than the run: startedAt to finishedAt is {duration:0.###} ms.");
            }
        }
    }

    private static void ValidateAttempts(
        RunReport report, IReadOnlyList<ReportedAttempt?> attempts, ReportLimits limits, Action<string, string> add)
    {
        if (RunDefinition.AttemptCountProblem(attempts.Count) is { } countProblem)
        {
            add("attempts", countProblem);
            return;
        }
        var duration = Duration(report);
        var tolerance = limits.DurationTolerance;
        for (var i = 0; i < attempts.Count; i++)
        {
            var at = $"attempts[{i}]";
            if (attempts[i] is not { } a)
            {
                add(at, "An attempt is required, not null.");
                continue;
            }
            if (RunDefinition.AttemptNumberProblem(a.Number, i) is { } numberProblem)
            {
                add($"{at}.number", numberProblem);
            }
            if (a.StartedAt is not { } attemptStart)
            {
                add($"{at}.startedAt", "startedAt is required (ISO-8601 with an offset).");
            }
            else if (report is { StartedAt: { } runStart, FinishedAt: { } runEnd }
                && (attemptStart < runStart - tolerance || attemptStart > runEnd + tolerance))
            {
                add($"{at}.startedAt", "The attempt starts outside the run (between startedAt and finishedAt).");
            }
            if (a.DurationMs is not { } attemptDuration || !RunDefinition.IsDuration(attemptDuration))
            {
                add($"{at}.durationMs", "durationMs is required: a finite, non-negative number of milliseconds.");
            }
            else if (duration is { } runDuration && attemptDuration > runDuration + tolerance.TotalMilliseconds)
            {
                add($"{at}.durationMs", $"durationMs ({attemptDuration:0.###}) is longer than the run ({runDuration:0.###} ms).");
            }
            if (a.Outcome is null || !TryParseOutcome(a.Outcome, out _))
            {
                add($"{at}.outcome", $"outcome is required, one of: {EnumNames.List<AttemptOutcome>()}.");
            }
            if (RunDefinition.HttpStatusProblem(a.HttpStatus) is { } statusProblem)
            {
                add($"{at}.httpStatus", statusProblem);
            }
            ValidateText(a.ErrorType, $"{at}.errorType", RunDefinition.MaxErrorTypeLength, add);
            ValidateText(a.ErrorMessage, $"{at}.errorMessage", RunDefinition.MaxErrorMessageLength, add);
        }
    }

    private static void ValidateText(string? text, string field, int maxLength, Action<string, string> add)
    {
        if (text is not null && RunDefinition.TextProblem(text, field, maxLength) is { } problem)
        {
            add(field, problem);
        }
    }

    public static bool TryParseOutcome(string text, out AttemptOutcome outcome) =>
        EnumNames.TryParse(text, out outcome);

    private static double? Duration(RunReport report) =>
        report is { StartedAt: { } started, FinishedAt: { } finished } && finished >= started
            ? (finished - started).TotalMilliseconds
            : null;

    private static string Shown(string text) => JsonText.Clean(text.Length > 40 ? text[..40] + "…" : text);
}
