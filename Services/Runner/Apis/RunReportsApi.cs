using System.Diagnostics;
using ConnectorHealth.Contracts;
using ConnectorHealth.Runner.Reports;
using ConnectorHealth.Runner.Publishing;
using ConnectorHealth.Runner.Runs;
using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Apis;

public static partial class RunReportsApi
{
    /// <summary>How long a client should wait before retrying while the runner's database is away.</summary>
    private const int RetryAfterSeconds = 5;

    public static IEndpointRouteBuilder MapRunReportsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/runs", ReportRun).WithTags("Runs").WithName("ReportRun")
            .WithSummary("Report a run of an outside pipeline; the same runId is accepted once")
            .WithDescription(
                "202 means the run is stored and will reach run history, drift and alerting exactly as the answer's canonical `run` "
                + "shows it (times in UTC to the microsecond). A report the pipeline could not carry is refused: 400 naming each field and the limit it breaks, 413 for a payload or body over the size limit.")
            .Accepts<RunReport>("application/json")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static async Task<Results<Accepted<ReportReceipt>, Ok<ReportReceipt>, ValidationProblem, ProblemHttpResult>> ReportRun(
        RunReport report, ReportIntake intake, RunBuffer buffer, TimeProvider time, IOptions<RunnerOptions> options,
        HttpContext http, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var problems = RunReportValidator.Validate(report, time.GetUtcNow(), options.Value.Reports, options.Value.Payload);
        if (problems.TooLarge)
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(problems.Errors)
            {
                Status = StatusCodes.Status413PayloadTooLarge,
                Title = "Payload too large",
                Detail = "The run's payload is over the size limit (Runner:Payload:MaxBytes).",
            });
        }
        if (!problems.IsValid)
        {
            return TypedResults.ValidationProblem(problems.Errors, title: "The run report is not valid");
        }

        var run = report.ToRunCompleted(problems.PayloadBytes);
        // The door's own checks come first (they name report fields); this is the rule every store applies.
        if (RunDefinition.Problems(run) is { Count: > 0 } left)
        {
            return TypedResults.ValidationProblem(
                left.GroupBy(p => p.Field).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray()), title: "The run report is not valid");
        }
        ReportOutcome outcome;
        try
        {
            outcome = await intake.AcceptAsync(run, run.Fingerprint(), Activity.Current?.Id, cancellationToken);
        }
        catch (Exception ex) when (TransientFailures.IsTransient(ex) && !cancellationToken.IsCancellationRequested)
        {
            // Not stored, so not accepted: the client keeps the report and tries again.
            LogNotStored(loggers.CreateLogger(typeof(RunReportsApi)), ex, run.RunId);
            http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem(
                title: "Run reports cannot be stored right now",
                detail: $"The runner's database is unavailable; nothing was stored. Retry in {RetryAfterSeconds} s.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        switch (outcome)
        {
            case ReportOutcome.Accepted:
                // Stored as pending: if the buffer is full, the next sweep of the pending runs picks it up.
                buffer.TryEnqueueStored(new PendingRun(run, Activity.Current?.Id, Stored: true, time.GetUtcNow()));
                return TypedResults.Accepted($"/api/runs/{run.RunId}", new ReportReceipt(run.RunId, "accepted", AcceptedRun.From(run)));
            case ReportOutcome.AlreadyAccepted:
                return TypedResults.Ok(new ReportReceipt(run.RunId, "already-accepted", AcceptedRun.From(run)));
            default:
                return TypedResults.Problem(
                    title: "Run id already reported",
                    detail: $"Run {run.RunId} was already reported with different content; a run id identifies one run.",
                    statusCode: StatusCodes.Status409Conflict);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run report {RunId} could not be stored; answered 503")]
    private static partial void LogNotStored(ILogger logger, Exception exception, Guid runId);
}
