using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Contracts;
using ConnectorHealth.Runner.Connectors;
using ConnectorHealth.Runner.Runs;
using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnectorHealth.Runner.Apis;

public static class ConnectorsApi
{
    public static IEndpointRouteBuilder MapConnectorsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/connectors").WithTags("Connectors");
        api.MapGet("/", ListConnectors).WithName("ListConnectors")
            .WithSummary("The connectors by name, each with its last and next run; filtered by a search text, owner, tag and state")
            .WithDescription($"search matches part of the name; state is one of {string.Join(", ", ConnectorStates.All)}. {Paging.Description}");
        api.MapGet("/{connector}", GetConnector).WithName("GetConnector").WithSummary("One connector");
        api.MapPut("/{connector}", PutConnector).WithName("PutConnector")
            .WithSummary("Create (201) or replace (200) a connector; one defined in configuration is changed there (409)")
            .WithDescription("The secret header's value is stored encrypted and never returned. A replacement that keeps the same secret header and sends no secretValue keeps the stored value.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPatch("/{connector}", PatchConnector).WithName("PatchConnector")
            .WithSummary("Pause (enabled: false) or resume (enabled: true) a connector, wherever it is defined");
        api.MapDelete("/{connector}", DeleteConnector).WithName("DeleteConnector")
            .WithSummary("Delete a connector (204); its runs, schema history and alerts stay. One defined in configuration is deleted there (409)")
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/{connector}/runs", RunNow).WithName("RunConnectorNow").WithSummary("Run a connector now (202 with the run id; 409 while it runs)")
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    public static Results<Ok<ConnectorPage>, ValidationProblem> ListConnectors(
        ConnectorCatalog catalog, TimeProvider time,
        [StringLength(MaxSearchLength, MinimumLength = 1)] string? search = null,
        [StringLength(RunDefinition.MaxOwnerLength, MinimumLength = 1)] string? owner = null,
        string? tag = null,
        string? state = null,
        [ParsedAs(typeof(int)), Range(1, Paging.MaxLimit)] string? limit = null,
        [StringLength(Paging.CursorMaxLength, MinimumLength = 1)] string? cursor = null)
    {
        var query = new QueryParameters();
        search = query.Text("search", search, MaxSearchLength);
        (owner, tag) = query.Labels(owner, tag);
        if (state is not null && !ConnectorStates.All.Contains(state))
        {
            query.Fail("state", $"state must be one of {string.Join(", ", ConnectorStates.All)}.");
        }
        var pageSize = query.PageSize(limit);
        var after = query.After(cursor);
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var matching = catalog.Entries
            .Where(e => search is null || e.Name.Contains(search, StringComparison.OrdinalIgnoreCase))
            .Where(e => owner is null || string.Equals(e.Options.Owner, owner, StringComparison.Ordinal))
            .Where(e => tag is null || (e.Options.Tags?.Contains(tag, StringComparer.Ordinal) ?? false))
            .Where(e => state is null || ConnectorStates.Is(e, state))
            .ToList();
        // The cursor is the number of connectors before the page (a catalog is ordered by name, not by time).
        var skip = after is null ? 0 : (int)Math.Clamp(after.NumberId, 0, int.MaxValue);
        var items = matching.Skip(skip).Take(pageSize).Select(e => View(e, time)).ToList();
        var next = skip + items.Count < matching.Count ? PageCursor.ForNumber(DateTimeOffset.UnixEpoch, skip + items.Count).Encode() : null;
        return TypedResults.Ok(new ConnectorPage(items, next, matching.Count));
    }

    public static Results<Ok<ConnectorView>, ValidationProblem, ProblemHttpResult> GetConnector(
        [RegularExpression(RunDefinition.ConnectorNamePattern), StringLength(RunDefinition.MaxConnectorLength, MinimumLength = 1)] string connector, ConnectorCatalog catalog, TimeProvider time) =>
        NameProblem(connector) is { } problem ? problem
        : catalog.Find(connector) is { } entry ? TypedResults.Ok(View(entry, time)) : UnknownConnector(connector);

    public static async Task<Results<Created<ConnectorView>, Ok<ConnectorView>, ValidationProblem, ProblemHttpResult>> PutConnector(
        [RegularExpression(RunDefinition.ConnectorNamePattern), StringLength(RunDefinition.MaxConnectorLength, MinimumLength = 1)] string connector,
        ConnectorOptions definition, ConnectorStore store, ConnectorCatalogSync sync, ConnectorCatalog catalog, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (NameProblem(connector) is { } nameProblem)
        {
            return nameProblem;
        }
        var problems = ConnectorRules.Problems(connector, definition);
        // An edit that keeps the secret header need not send its value again: the stored one is kept.
        if (definition.Http is { SecretHeader: { } header, SecretValue: null } && await store.HasSecretAsync(connector, header, cancellationToken))
        {
            problems.RemoveAll(p => p.Field == "Http:SecretValue");
        }
        if (problems.Count > 0)
        {
            return TypedResults.ValidationProblem(problems
                .GroupBy(p => JsonPath(p.Field))
                .ToDictionary(g => g.Key, g => g.Select(p => p.Message.Trim()).ToArray()));
        }
        var written = await store.PutAsync(connector, definition, cancellationToken);
        if (written == ConnectorWrite.DefinedInConfiguration)
        {
            return DefinedInConfiguration(connector);
        }
        await sync.RefreshAsync(connector, cancellationToken);
        var view = View(catalog.Find(connector)!, time);
        return written == ConnectorWrite.Created ? TypedResults.Created($"/api/connectors/{connector}", view) : TypedResults.Ok(view);
    }

    public static async Task<Results<Ok<ConnectorView>, ValidationProblem, ProblemHttpResult>> PatchConnector(
        [RegularExpression(RunDefinition.ConnectorNamePattern), StringLength(RunDefinition.MaxConnectorLength, MinimumLength = 1)] string connector,
        ConnectorChange change, ConnectorStore store, ConnectorCatalogSync sync, ConnectorCatalog catalog, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (NameProblem(connector) is { } problem)
        {
            return problem;
        }
        if (await store.SetEnabledAsync(connector, change.Enabled, cancellationToken) == ConnectorWrite.NotFound)
        {
            return UnknownConnector(connector);
        }
        await sync.RefreshAsync(connector, cancellationToken);
        return catalog.Find(connector) is { } entry ? TypedResults.Ok(View(entry, time)) : UnknownConnector(connector);
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteConnector(
        [RegularExpression(RunDefinition.ConnectorNamePattern), StringLength(RunDefinition.MaxConnectorLength, MinimumLength = 1)] string connector,
        ConnectorStore store, ConnectorCatalogSync sync, CancellationToken cancellationToken)
    {
        if (NameProblem(connector) is { } problem)
        {
            return problem;
        }
        switch (await store.DeleteAsync(connector, cancellationToken))
        {
            case ConnectorWrite.NotFound:
                return UnknownConnector(connector);
            case ConnectorWrite.DefinedInConfiguration:
                return DefinedInConfiguration(connector);
        }
        await sync.RefreshAsync(connector, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Accepted<RunStarted>, ValidationProblem, ProblemHttpResult>> RunNow(
        [RegularExpression(RunDefinition.ConnectorNamePattern), StringLength(RunDefinition.MaxConnectorLength, MinimumLength = 1)] string connector, ConnectorCatalog catalog, ConnectorRunner runner,
        CancellationToken cancellationToken)
    {
        if (NameProblem(connector) is { } problem)
        {
            return problem;
        }
        if (catalog.Find(connector) is not { } entry)
        {
            return UnknownConnector(connector);
        }
        if (entry.Problem is { } cannotRun)
        {
            return TypedResults.Problem(title: "Connector cannot run", detail: $"'{connector}' cannot run: {cannotRun}.",
                statusCode: StatusCodes.Status409Conflict);
        }
        var (started, runId) = await runner.TryStartNowAsync(entry, cancellationToken);
        if (started)
        {
            return TypedResults.Accepted($"/api/runs/{runId}", new RunStarted(runId!.Value));
        }
        // Of many calls at once one starts the run; the others are told which run is under way rather than starting another.
        return TypedResults.Problem(
            title: "Connector is running",
            detail: runId is { } current
                ? $"'{connector}' is running now (run {current}); a connector never runs twice at once. Try again when it has finished."
                : $"'{connector}' is running now; a connector never runs twice at once. Try again when it has finished.",
            statusCode: StatusCodes.Status409Conflict,
            extensions: runId is { } under ? new Dictionary<string, object?> { ["runId"] = under, ["run"] = $"/api/runs/{under}" } : null);
    }

    private const int MaxSearchLength = 200;

    // A name no run can carry is a bad request, as on every other service, rather than a connector not in the catalog.
    private static ValidationProblem? NameProblem(string connector)
    {
        var query = new QueryParameters();
        query.Connector("connector", connector);
        return query.HasErrors ? TypedResults.ValidationProblem(query.Errors) : null;
    }

    private static ProblemHttpResult UnknownConnector(string connector) =>
        TypedResults.Problem(title: "Unknown connector", detail: $"There is no connector '{connector}'.",
            statusCode: StatusCodes.Status404NotFound);

    private static ProblemHttpResult DefinedInConfiguration(string connector) =>
        TypedResults.Problem(title: "Connector is defined in configuration",
            detail: $"'{connector}' is defined in configuration ({RunnerOptions.Section}:Connectors:{connector}), which wins: change or remove it there. It may be paused and resumed here.",
            statusCode: StatusCodes.Status409Conflict);

    /// <summary>A configuration path (<c>Retry:MaxAttempts</c>) as the body's JSON names it (<c>retry.maxAttempts</c>).</summary>
    private static string JsonPath(string field) => field.Length == 0 ? "connector"
        : string.Join('.', field.Split(':').Select(part => char.ToLowerInvariant(part[0]) + part[1..]));

    private static ConnectorView View(CatalogEntry entry, TimeProvider time)
    {
        var o = entry.Options;
        return new ConnectorView(
            entry.Name, o.Kind, o.Enabled, entry.Origin, entry.Schedule.Description, o.Interval, o.Cron,
            entry.Schedule.ExpectedInterval(time.GetUtcNow()), o.Timeout,
            new RetryView(o.Retry.MaxAttempts, o.Retry.InitialDelay, o.Retry.Multiplier, o.Retry.MaxDelay, o.Retry.Jitter),
            o.Http is { } http ? new HttpView(http.Url, http.Method, http.Headers, http.SecretHeader, !string.IsNullOrEmpty(http.SecretValue)) : null,
            o.Owner, o.Tags ?? [], entry.IsRunning, entry.LastRun, entry.Schedulable ? entry.NextRunAt : null, entry.Problem,
            entry.CreatedAt, entry.UpdatedAt);
    }
}
