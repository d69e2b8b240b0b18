using ConnectorHealth.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnectorHealth.Metrics.Apis;

public sealed record RunPage(IReadOnlyList<RunSummary> Items, string? Cursor);

public static class RunsApi
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/runs").WithTags("Runs");
        api.MapGet("/", ListRuns).WithName("ListRuns").WithSummary("Runs, newest first, with an opaque cursor for the next page");
        api.MapGet("/{runId:guid}", GetRun).WithName("GetRun").WithSummary("One run");
        return app;
    }

    public static async Task<Results<Ok<RunPage>, ValidationProblem>> ListRuns(
        RunStore store,
        CancellationToken cancellationToken,
        string? connector = null,
        string? status = null,
        int? limit = null,
        string? cursor = null)
    {
        var errors = new Dictionary<string, string[]>();
        if (status is not null && !Wire.TryParse<RunStatus>(status, out _))
        {
            errors["status"] = [$"Unknown status '{status}'. Use one of: succeeded, failed."];
        }
        if (limit is < 1 or > MaxLimit)
        {
            errors["limit"] = [$"limit must be between 1 and {MaxLimit}."];
        }
        RunCursor? after = null;
        if (cursor is not null && !RunCursor.TryDecode(cursor, out after))
        {
            errors["cursor"] = ["cursor is not one this API handed out."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var pageSize = limit ?? DefaultLimit;
        var runs = await store.ListAsync(new RunQuery(connector, status?.ToLowerInvariant(), pageSize, after), cancellationToken);
        var next = runs.Count == pageSize ? new RunCursor(runs[^1].StartedAt, runs[^1].RunId).Encode() : null;
        return TypedResults.Ok(new RunPage(runs, next));
    }

    public static async Task<Results<Ok<RunSummary>, NotFound>> GetRun(
        Guid runId, RunStore store, CancellationToken cancellationToken) =>
        await store.FindAsync(runId, cancellationToken) is { } run ? TypedResults.Ok(run) : TypedResults.NotFound();
}
