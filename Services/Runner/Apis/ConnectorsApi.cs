using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Runner.Connectors;
using ConnectorHealth.Runner.Runs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnectorHealth.Runner.Apis;

public static class ConnectorsApi
{
    // The catalog's names (RunnerOptionsValidator.ConnectorName), declared for the OpenAPI document.
    private const string NamePattern = "^[a-z0-9_][a-z0-9_.-]{0,99}$";

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

    public static Results<Ok<ConnectorView>, ProblemHttpResult> GetConnector(
        [RegularExpression(NamePattern), StringLength(100, MinimumLength = 1)] string connector, ConnectorCatalog catalog, TimeProvider time) =>
        catalog.Find(connector) is { } entry ? TypedResults.Ok(View(entry, time)) : UnknownConnector(connector);

    public static async Task<Results<Accepted<RunStarted>, ProblemHttpResult>> RunNow(
        [RegularExpression(NamePattern), StringLength(100, MinimumLength = 1)] string connector, ConnectorCatalog catalog, ConnectorRunner runner,
        CancellationToken cancellationToken)
    {
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
