using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Contracts;
using ConnectorHealth.Metrics.Responses;
using ConnectorHealth.Metrics.Stores;
using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnectorHealth.Metrics.Apis;

public static class RunsApi
{
    // The origin filter's one value: runs that came from OpenLineage events.
    public const string OpenLineageOrigin = "openlineage";

    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/runs").WithTags("Runs");
        api.MapGet("/", ListRuns).WithName("ListRuns")
            .WithSummary("Runs, newest first, with an opaque cursor for the next page")
            .WithDescription("Filters: connector, owner and tag (the connector's), status (succeeded|failed|aborted|running: running lists the runs "
                + "still in progress, which have no finishedAt; without status both finished and running runs are listed), "
                + "source (scheduled|triggered|reported), parent (a run id: the runs that ran inside it, e.g. a dbt invocation's models "
                + "or an Airflow DAG run's tasks), origin (openlineage: the runs reported as OpenLineage events, which carry a lineage), "
                + "from (inclusive) and to (exclusive) on the start time as ISO-8601 UTC times or dates, "
                + Paging.Description);
        api.MapGet("/{runId:guid}", GetRun).WithName("GetRun")
            .WithSummary("One run with its attempts, trace id and lineage; a run still in progress has status running and no finishedAt");
        return app;
    }

    public static async Task<Results<Ok<RunPage>, ValidationProblem>> ListRuns(
        RunStore store,
        CancellationToken cancellationToken,
        [StringLength(RunDefinition.MaxConnectorLength, MinimumLength = 1)] string? connector = null,
        [AllowedValues("succeeded", "failed", "aborted", RunStore.Running)] string? status = null,
        [AllowedValues("scheduled", "triggered", "reported")] string? source = null,
        [ParsedAs(typeof(DateTimeOffset), typeof(DateOnly))] string? from = null,
        [ParsedAs(typeof(DateTimeOffset), typeof(DateOnly))] string? to = null,
        [ParsedAs(typeof(int)), Range(1, Paging.MaxLimit)] string? limit = null,
        [StringLength(Paging.CursorMaxLength, MinimumLength = 1)] string? cursor = null,
        [StringLength(RunDefinition.MaxOwnerLength, MinimumLength = 1)] string? owner = null,
        [StringLength(64, MinimumLength = 1)] string? tag = null,
        [ParsedAs(typeof(Guid))] string? parent = null,
        [AllowedValues(OpenLineageOrigin)] string? origin = null)
    {
        var query = new QueryParameters();
        connector = query.Connector("connector", connector);
        (owner, tag) = query.Labels(owner, tag);
        // The value is not echoed: it may be 10,000 characters of anything.
        if (status is not null && !EnumNames.TryParse<RunStatus>(status, out _) && status != RunStore.Running)
        {
            query.Fail("status", $"Unknown status. Use one of: {EnumNames.List<RunStatus>()}, {RunStore.Running}.");
        }
        Guid? parentRun = null;
        if (parent is not null)
        {
            if (Guid.TryParse(parent, out var parentId))
            {
                parentRun = parentId;
            }
            else
            {
                query.Fail("parent", "parent must be a run id (a UUID).");
            }
        }
        if (origin is not null && origin != OpenLineageOrigin)
        {
            query.Fail("origin", $"Unknown origin. Use {OpenLineageOrigin}.");
        }
        if (source is not null && !EnumNames.TryParse<RunSource>(source, out _))
        {
            query.Fail("source", "Unknown source. Use one of: scheduled, triggered, reported.");
        }
        var start = query.Instant("from", from);
        var end = query.Instant("to", to);
        if (start > end)
        {
            query.Fail("from", "from must not be after to.");
        }
        var pageSize = query.PageSize(limit);
        var after = query.After(cursor);
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        // One more than the page tells whether there is a next page, so the last page carries no cursor.
        var runs = await store.ListAsync(
            new RunQuery(connector, status?.ToLowerInvariant(), source?.ToLowerInvariant(), start, end, pageSize + 1, after, owner, tag,
                parentRun, origin is not null),
            cancellationToken);
        if (runs.Count <= pageSize)
        {
            return TypedResults.Ok(new RunPage(runs, null));
        }
        var page = runs.Take(pageSize).ToArray();
        return TypedResults.Ok(new RunPage(page, new PageCursor(page[^1].StartedAt, page[^1].RunId).Encode()));
    }

    public static async Task<Results<Ok<RunDetail>, NotFound>> GetRun(
        Guid runId, RunStore store, CancellationToken cancellationToken) =>
        await store.FindAsync(runId, cancellationToken) is { } run ? TypedResults.Ok(run) : TypedResults.NotFound();
}
