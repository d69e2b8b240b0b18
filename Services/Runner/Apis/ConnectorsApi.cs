using ConnectorHealth.Runner.Connectors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnectorHealth.Runner.Apis;

public sealed record ConnectorView(
    string Name, string Kind, bool Enabled, TimeSpan Interval,
    DateTimeOffset? LastRunAt, string? LastStatus, DateTimeOffset? NextRunAt);

public static class ConnectorsApi
{
    public static IEndpointRouteBuilder MapConnectorsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/connectors").WithTags("Connectors");
        api.MapGet("/", ListConnectors).WithName("ListConnectors").WithSummary("The connector catalog");
        api.MapGet("/{connector}", GetConnector).WithName("GetConnector").WithSummary("One connector");
        return app;
    }

    public static Ok<ConnectorView[]> ListConnectors(ConnectorCatalog catalog) =>
        TypedResults.Ok(catalog.Connectors.Keys.Order(StringComparer.Ordinal).Select(name => View(catalog, name)).ToArray());

    public static Results<Ok<ConnectorView>, NotFound> GetConnector(string connector, ConnectorCatalog catalog) =>
        catalog.Connectors.ContainsKey(connector) ? TypedResults.Ok(View(catalog, connector)) : TypedResults.NotFound();

    private static ConnectorView View(ConnectorCatalog catalog, string name)
    {
        var options = catalog.Connectors[name];
        var state = catalog.StateOf(name);
        return new ConnectorView(name, options.Kind, options.Enabled, options.Interval,
            state.LastRunAt, state.LastStatus, options.Enabled ? state.NextRunAt : null);
    }
}
