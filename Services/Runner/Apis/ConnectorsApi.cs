using ConnectorHealth.Contracts;
using System.ComponentModel.DataAnnotations;
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
        api.MapGet("/", ListConnectors).WithName("ListConnectors").WithSummary("The connector catalog, with each connector's last and next run");
        api.MapGet("/{connector}", GetConnector).WithName("GetConnector").WithSummary("One connector");
        api.MapPost("/{connector}/runs", RunNow).WithName("RunConnectorNow").WithSummary("Run a connector now (202 with the run id; 409 while it runs)")
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    public static Ok<ConnectorView[]> ListConnectors(ConnectorCatalog catalog, TimeProvider time) =>
        TypedResults.Ok(catalog.Entries.Select(e => View(e, time)).ToArray());

    public static Results<Ok<ConnectorView>, ValidationProblem, ProblemHttpResult> GetConnector(
        [RegularExpression(RunDefinition.ConnectorNamePattern), StringLength(RunDefinition.MaxConnectorLength, MinimumLength = 1)] string connector, ConnectorCatalog catalog, TimeProvider time) =>
        NameProblem(connector) is { } problem ? problem
        : catalog.Find(connector) is { } entry ? TypedResults.Ok(View(entry, time)) : UnknownConnector(connector);

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

    // A name no run can carry is a bad request, as on every other service, rather than a connector not in the catalog.
    private static ValidationProblem? NameProblem(string connector)
    {
        var query = new QueryParameters();
        query.Connector("connector", connector);
        return query.HasErrors ? TypedResults.ValidationProblem(query.Errors) : null;
    }

    private static ProblemHttpResult UnknownConnector(string connector) =>
        TypedResults.Problem(title: "Unknown connector", detail: $"There is no connector '{connector}' in the catalog.",
            statusCode: StatusCodes.Status404NotFound);

    private static ConnectorView View(CatalogEntry entry, TimeProvider time)
    {
        var o = entry.Options;
        return new ConnectorView(
            entry.Name, o.Kind, o.Enabled, entry.Schedule.Description, entry.Schedule.ExpectedInterval(time.GetUtcNow()), o.Timeout,
            new RetryView(o.Retry.MaxAttempts, o.Retry.InitialDelay, o.Retry.Multiplier, o.Retry.MaxDelay, o.Retry.Jitter),
            entry.IsRunning, entry.LastRun, o.Enabled ? entry.NextRunAt : null);
    }
}
